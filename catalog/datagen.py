"""A realistic, deterministic catalog data set, loaded with set-based SQL only.

`generate(scale=..., seed=...)` fills an empty catalog: sellers (each with one owner
login), customers with address books, a category tree, products with variants, images
and category links, and reviews. `manage.py generate_data` is the operator's entry point.

How it works
- Every pseudo-random number is a hash: pg_temp.rnd(seed, stream, i) hashes the row
  number i with a per-stream salt (hashint8extended). No random(): the data depend only on
  the seed and the scale, never on plan shape, parallelism or row order.
- Word lists (the category tree, brands, names, streets, sentence templates) are sent
  once as JSON and unpacked into small temporary tables; every row is then built by
  INSERT ... SELECT over generate_series, joining those tables. No Python loop per row.
- Ids of categories, sellers, users, products and variants are reserved up front (the
  identity sequences are advanced past the block), so every staged row knows the ids it
  refers to. Products, variants and reviews are staged in temporary tables first, then
  the orders (orders.datagen.stage_orders); the products and reviews are then inserted
  once, with their derived values already computed from the staged rows.
- The load is one transaction (on any error nothing is written), except a bulk load with
  orders run by the command (`--jobs` 2 by default, outside a transaction): its first
  transaction commits everything up to the catalog's insert, with the orders staged in
  UNLOGGED tables of the shopwave_datagen schema and the order tables' keys and indexes
  dropped; orders.datagen.insert_orders_in_parallel then inserts the order tables over
  two connections, and the category listing, its search index and the search lists,
  VACUUM and the analytics views follow two at a time. A failure after the first commit
  empties the order tables, restores their schema and says so: the catalog and customers
  stay, start again in a fresh database (as a bulk load needs anyway).

Triggers
- demo and small scale (mode "triggers"): every row trigger runs, exactly as for an
  import through the admin: paths, listing flags, prices, search vectors and rating
  counters are computed by the database itself, and the audit log records every row.
- medium and full scale (mode "bulk"): `ALTER TABLE ... DISABLE TRIGGER USER` on the
  tables being loaded (the owner may; the change is transactional, and re-enabled before
  commit), and every derived value is computed set-based, with exactly the triggers'
  formulas, in the INSERT that writes the row (so each row is written once: no second
  pass that would leave a dead copy of half a gigabyte of products behind):
    category path/depth   from the parent's path (inserted level by level)
    product.is_listed     status = 'active' AND seller.is_active
    product.price         lowest price of the product's active variants, NULL if none
    product.search_vector name A, brand B, the names of the linked categories and their
                          ancestors below the top level C (each once, by category id),
                          description D: the expression of catalog_product_search_vector()
    rating_sum/count      published reviews only (and the per-star counters stars_1..5)
    product.units_sold    units on the staged paid..delivered order lines
    review.is_verified_purchase  the author has a staged delivered line of the product
  Bulk loads are NOT audited row by row: the audit triggers are among those disabled (a
  log of two million generated reviews would be noise, and slow). The deferred
  constraint triggers (every product has a variant) are disabled too; the generator
  creates 1-4 variants per product by construction, and catalog.integrity checks it.
  `manage.py check_integrity` (catalog.integrity.check_catalog) proves the result.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils.text import slugify

from accounts.demo import DEMO_PASSWORD
from orders.datagen import (
    DERIVED_CATALOG_TABLES,
    ORDER_TABLES,
    SHARED_STAGING,
    STAGING_SCHEMA,
    STREAMS,
    _Rebuild,
    drop_order_keys,
    insert_orders,
    insert_orders_in_parallel,
    key_validations,
    stage_orders,
    use_staging_schema,
    validate_keys,
)
from reports.refresh import VIEWS, refresh_view, refresh_views

# The data are dated up to this instant (fixed, so that a seed always gives the same rows).
DATA_END = datetime(2026, 11, 1, tzinfo=UTC)
MAX_SEED = 2**31 - 1
MAX_JOBS = 16  # connections at a time (generate's `jobs`)
PRIME = 1_000_003  # > every customer and product count: k -> k * PRIME mod n is a permutation


class DataGenError(Exception):
    """The generator refused to run (bad arguments, or the catalog is not empty)."""


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


# --- Scales ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    tops: int  # top-level categories used (of the 10 below)
    subs: int  # sub-categories per top-level category (of 4)
    leaves: int  # leaf categories per sub-category (of 4)
    qualified: bool  # add a 4th level ("Wireless Headphones" under "Headphones") -> 1,000 categories
    sellers: int
    customers: int
    products: int
    reviews: int
    zipf: float  # review popularity: product rank = floor(n * u ** zipf); higher = more skewed
    bulk: bool  # default load mode: triggers disabled + derived values computed set-based
    orders: int = 0  # orders over the three years before DATA_END (orders.datagen)
    promotions: int = 5  # site-wide percentage promotions, in sequence over those years


SCALES: dict[str, Scale] = {
    "demo": Scale(6, 2, 2, False, 12, 80, 240, 500, 2.0, bulk=False, orders=300, promotions=5),
    "small": Scale(10, 4, 3, False, 50, 10_000, 5_000, 20_000, 2.5, bulk=False, orders=100_000, promotions=5),
    "medium": Scale(10, 4, 4, True, 500, 100_000, 50_000, 200_000, 3.0, bulk=True, orders=1_000_000, promotions=50),
    "full": Scale(
        10, 4, 4, True, 5_000, 1_000_000, 500_000, 2_000_000, 3.0, bulk=True, orders=10_000_000, promotions=500
    ),
}

# --- Vocabulary: the category tree --------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    name: str  # category name (plural), e.g. "Headphones"
    noun: str  # what one product is called, e.g. "Bluetooth Speaker"
    price_low: float  # typical price range in USD (log-uniform-ish between the two)
    price_high: float
    scheme: str  # variant attributes, see SCHEMES


@dataclass(frozen=True)
class Sub:
    name: str
    qualifiers: tuple[str, ...]  # 4th-level categories at medium/full scale: qualifier + leaf name
    leaves: tuple[Leaf, ...]


@dataclass(frozen=True)
class Top:
    slug: str  # also the name of the product image: static/img/products/<slug>.svg
    name: str
    style: str  # "standard": brand + adjective + noun (+ model); "book": a title
    model: str  # "code": model codes like "X200"; "none"
    brands: tuple[str, ...]
    adjectives: tuple[str, ...]  # for books: the first word of the title
    trade: tuple[str, ...]  # sellers' trade words, e.g. "Bluewater Audio"
    features: tuple[str, ...]
    materials: tuple[str, ...]
    uses: tuple[str, ...]
    # Description sentences, in four slots: opening, second, detail, closing (2-4 used).
    # Placeholders: {name} {brand} {noun} {feature} {feature2} {material} {use} {n}
    s_open: tuple[str, ...]
    s_second: tuple[str, ...]
    s_detail: tuple[str, ...]
    s_close: tuple[str, ...]
    subs: tuple[Sub, ...]
    title_nouns: tuple[str, ...] = field(default=())


L = Leaf
TOPS: tuple[Top, ...] = (
    Top(
        slug="electronics",
        name="Electronics",
        style="standard",
        model="code",
        brands=(
            "Sonora",
            "Voltix",
            "Lumina",
            "Arcwave",
            "Kestrel",
            "Novatek",
            "Pulsar",
            "Zenith Labs",
            "Aurion",
            "Helix",
        ),
        adjectives=("Pro", "Ultra", "Max", "Lite", "Studio", "Elite", "Core", "Air", "Neo", "Prime"),
        trade=("Electronics", "Audio", "Tech", "Digital", "Gadgets"),
        features=(
            "crisp, detailed sound",
            "all-day battery life",
            "fast USB-C charging",
            "a bright, colour-accurate display",
            "low-latency Bluetooth 5.3",
            "intuitive touch controls",
            "seamless multi-device pairing",
            "a lightweight, pocketable build",
        ),
        materials=(
            "recycled aluminium",
            "soft-touch polycarbonate",
            "brushed stainless steel",
            "reinforced glass",
            "matte anodised aluminium",
            "durable recycled plastics",
        ),
        uses=("commuting", "working from home", "travel", "gaming", "content creation", "video calls"),
        s_open=(
            "The {name} combines {feature} with {feature2}.",
            "Meet the {name}, built by {brand} for {use} and everything in between.",
            "Designed for {use}, the {name} delivers {feature}.",
            "{brand} packed {feature} into the {name} without adding bulk.",
        ),
        s_second=(
            "You also get {feature2}, so it keeps up with a busy day.",
            "Its housing is made from {material} to stay light and tough.",
            "Setup takes minutes, and firmware updates arrive automatically.",
        ),
        s_detail=(
            "Everything you need is in the box, including a braided cable.",
            "Reviewers rate it among the best {noun} options for {use}.",
            "It pairs instantly with phones, tablets and laptops.",
        ),
        s_close=(
            "Covered by a {n}-year {brand} warranty.",
            "Free returns within 30 days.",
            "Backed by {brand} support and a {n}-year warranty.",
        ),
        subs=(
            Sub(
                "Audio",
                ("Wireless", "Premium", "Budget", "Compact", "Smart"),
                (
                    L("Headphones", "Headphones", 25, 450, "tech_colour"),
                    L("Speakers", "Bluetooth Speaker", 20, 500, "tech_colour"),
                    L("Soundbars", "Soundbar", 80, 900, "tech_colour"),
                    L("Turntables", "Turntable", 90, 800, "tech_colour"),
                ),
            ),
            Sub(
                "Phones & Tablets",
                ("Rugged", "Budget", "Premium", "Slim", "Eco-Friendly"),
                (
                    L("Smartphones", "Smartphone", 150, 1400, "storage"),
                    L("Tablets", "Tablet", 120, 1300, "storage"),
                    L("Phone Cases", "Phone Case", 8, 60, "tech_colour"),
                    L("Chargers", "Charger", 10, 90, "tech_colour"),
                ),
            ),
            Sub(
                "Computers",
                ("Gaming", "Business", "Compact", "Premium", "Budget"),
                (
                    L("Laptops", "Laptop", 350, 2800, "storage"),
                    L("Monitors", "Monitor", 120, 1300, "screen"),
                    L("Keyboards", "Keyboard", 20, 250, "tech_colour"),
                    L("Mice", "Mouse", 10, 150, "tech_colour"),
                ),
            ),
            Sub(
                "Cameras",
                ("Beginner", "Professional", "Compact", "Waterproof", "Travel"),
                (
                    L("Digital Cameras", "Digital Camera", 250, 2500, "tech_colour"),
                    L("Lenses", "Camera Lens", 150, 1900, "mount"),
                    L("Drones", "Drone", 90, 1600, "tech_colour"),
                    L("Action Cameras", "Action Camera", 80, 550, "tech_colour"),
                ),
            ),
        ),
    ),
    Top(
        slug="home-kitchen",
        name="Home & Kitchen",
        style="standard",
        model="none",
        brands=(
            "Hearthstone",
            "Copperleaf",
            "Maison Verte",
            "Oakridge",
            "Culina",
            "Brightside Home",
            "Kettle & Co",
            "Nordhaven",
            "Ironbark",
            "Pantry Lane",
        ),
        adjectives=(
            "Classic",
            "Everyday",
            "Signature",
            "Professional",
            "Essential",
            "Heritage",
            "Artisan",
            "Compact",
            "Deluxe",
            "Modern",
        ),
        trade=("Home", "Kitchen", "Living", "Homeware", "Interiors"),
        features=(
            "even heat distribution",
            "a dishwasher-safe finish",
            "a space-saving design",
            "easy-clean surfaces",
            "a comfortable ergonomic grip",
            "energy-efficient operation",
            "a timeless look",
            "quiet, reliable performance",
        ),
        materials=(
            "tri-ply stainless steel",
            "solid oak",
            "stoneware",
            "organic cotton",
            "tempered glass",
            "enamelled cast iron",
        ),
        uses=(
            "weeknight dinners",
            "weekend baking",
            "entertaining guests",
            "small kitchens",
            "busy family homes",
            "slow Sunday mornings",
        ),
        s_open=(
            "The {name} brings {feature} to {use}.",
            "Made for {use}, the {name} offers {feature} and {feature2}.",
            "{brand} designed the {name} to be used every day and to last for years.",
            "Upgrade your home with the {name}, with {feature} and a {material} finish.",
        ),
        s_second=(
            "It is crafted from {material} and finished by hand.",
            "Thanks to {feature2}, it fits right into everyday routines.",
            "Each piece is tested to meet {brand}'s quality standards.",
        ),
        s_detail=(
            "It looks just as good on the table as it does in the cupboard.",
            "Care is simple: wipe clean or follow the enclosed guide.",
            "A favourite of home cooks and interior stylists alike.",
        ),
        s_close=(
            "Covered by a {n}-year {brand} guarantee.",
            "Free returns within 30 days.",
            "Makes a thoughtful housewarming gift.",
        ),
        subs=(
            Sub(
                "Cookware",
                ("Non-Stick", "Stainless Steel", "Cast Iron", "Induction-Ready", "Carbon Steel"),
                (
                    L("Pans", "Frying Pan", 18, 220, "cookware"),
                    L("Pots", "Stock Pot", 25, 260, "cookware"),
                    L("Bakeware", "Baking Tray", 8, 70, "cookware"),
                    L("Woks", "Wok", 20, 180, "cookware"),
                ),
            ),
            Sub(
                "Small Appliances",
                ("Retro", "Smart", "Quiet", "Stainless Steel", "Cordless"),
                (
                    L("Coffee Makers", "Coffee Maker", 30, 700, "appliance"),
                    L("Blenders", "Blender", 25, 450, "appliance"),
                    L("Toasters", "Toaster", 20, 180, "appliance"),
                    L("Kettles", "Electric Kettle", 18, 160, "appliance"),
                ),
            ),
            Sub(
                "Bedding",
                ("Luxury", "Organic Cotton", "Cooling", "Hypoallergenic", "Linen"),
                (
                    L("Duvets", "Duvet", 40, 400, "bed_size"),
                    L("Pillows", "Pillow", 12, 120, "pack"),
                    L("Sheets", "Sheet Set", 25, 300, "bed_size"),
                    L("Blankets", "Throw Blanket", 20, 180, "home_colour"),
                ),
            ),
            Sub(
                "Home Decor",
                ("Rustic", "Scandinavian", "Vintage", "Coastal", "Mid-Century"),
                (
                    L("Lamps", "Table Lamp", 25, 350, "home_colour"),
                    L("Rugs", "Rug", 40, 900, "rug"),
                    L("Candles", "Scented Candle", 8, 60, "scent"),
                    L("Wall Art", "Art Print", 15, 250, "print"),
                ),
            ),
        ),
    ),
    Top(
        slug="fashion",
        name="Fashion",
        style="standard",
        model="none",
        brands=(
            "Marlowe",
            "Juniper & Ash",
            "Northline",
            "Vela",
            "Thread & Loom",
            "Corvin",
            "Solenne",
            "Urban Fable",
            "Harbor Row",
            "Wren",
        ),
        adjectives=(
            "Classic",
            "Everyday",
            "Relaxed",
            "Slim-Fit",
            "Essential",
            "Heritage",
            "Vintage",
            "Tailored",
            "Lightweight",
            "Signature",
        ),
        trade=("Apparel", "Outfitters", "Boutique", "Clothing", "Wardrobe"),
        features=(
            "a flattering, easy fit",
            "breathable fabric",
            "reinforced seams",
            "a soft brushed finish",
            "timeless styling",
            "stretch for all-day comfort",
            "a water-repellent finish",
            "carefully matched details",
        ),
        materials=(
            "organic cotton",
            "merino wool",
            "recycled polyester",
            "linen",
            "full-grain leather",
            "responsibly sourced denim",
        ),
        uses=("the office", "weekends away", "evenings out", "everyday wear", "travel", "the changing seasons"),
        s_open=(
            "The {name} is made from {material} and offers {feature}.",
            "Made for {use}, the {name} pairs {feature} with {feature2}.",
            "The {name} from {brand} is a wardrobe staple you will reach for again and again.",
            "Effortless and versatile, the {name} works for {use}.",
        ),
        s_second=(
            "It offers {feature2} and keeps its shape wash after wash.",
            "Every piece is made in small batches in partner workshops.",
            "Choose your usual size for a neat fit, or size up for a relaxed look.",
        ),
        s_detail=(
            "Machine washable at 30 degrees.",
            "The colour is dyed to last and will not fade quickly.",
            "Finished with {brand}'s signature details.",
        ),
        s_close=(
            "Free exchanges on all sizes.",
            "Free returns within 30 days.",
            "Part of the {brand} core collection.",
        ),
        subs=(
            Sub(
                "Women",
                ("Summer", "Evening", "Casual", "Workwear", "Petite"),
                (
                    L("Dresses", "Dress", 25, 280, "apparel"),
                    L("Tops", "Blouse", 15, 120, "apparel"),
                    L("Jeans", "Jeans", 30, 200, "waist"),
                    L("Coats", "Coat", 60, 450, "apparel"),
                ),
            ),
            Sub(
                "Men",
                ("Casual", "Formal", "Big & Tall", "Workwear", "Linen"),
                (
                    L("Shirts", "Shirt", 20, 150, "apparel"),
                    L("Trousers", "Chinos", 30, 180, "waist"),
                    L("Jackets", "Jacket", 50, 400, "apparel"),
                    L("Knitwear", "Sweater", 30, 250, "apparel"),
                ),
            ),
            Sub(
                "Shoes",
                ("Leather", "Vegan", "Waterproof", "Wide-Fit", "Kids'"),
                (
                    L("Sneakers", "Sneakers", 35, 220, "shoes"),
                    L("Boots", "Boots", 60, 350, "shoes"),
                    L("Sandals", "Sandals", 20, 140, "shoes"),
                    L("Running Shoes", "Running Shoes", 50, 240, "shoes"),
                ),
            ),
            Sub(
                "Accessories",
                ("Leather", "Vegan", "Designer", "Travel", "Minimalist"),
                (
                    L("Bags", "Tote Bag", 20, 400, "fashion_colour"),
                    L("Watches", "Watch", 40, 900, "fashion_colour"),
                    L("Sunglasses", "Sunglasses", 15, 300, "fashion_colour"),
                    L("Belts", "Belt", 15, 120, "belt"),
                ),
            ),
        ),
    ),
    Top(
        slug="sports-outdoors",
        name="Sports & Outdoors",
        style="standard",
        model="none",
        brands=(
            "Ridgeback",
            "Summitline",
            "Trailhead",
            "Apex Outdoor",
            "Kinetic",
            "Stride",
            "Basecamp",
            "Northwind",
            "Ember Peak",
            "Riverstone",
        ),
        adjectives=(
            "Trail",
            "Summit",
            "Endurance",
            "Pro",
            "Ultralight",
            "All-Weather",
            "Expedition",
            "Active",
            "Explorer",
            "Alpine",
        ),
        trade=("Outdoors", "Sports", "Adventure", "Gear", "Athletics"),
        features=(
            "a lightweight, packable design",
            "weatherproof construction",
            "reinforced stress points",
            "breathable ventilation",
            "quick, tool-free setup",
            "a secure, adjustable fit",
            "impact-resistant materials",
            "high-visibility details",
        ),
        materials=(
            "ripstop nylon",
            "aircraft-grade aluminium",
            "recycled polyester",
            "natural rubber",
            "high-density foam",
            "carbon fibre",
        ),
        uses=(
            "weekend camping trips",
            "early morning runs",
            "home workouts",
            "long-distance hikes",
            "family days outdoors",
            "training for race day",
        ),
        s_open=(
            "The {name} is built for {use}, with {feature} and {feature2}.",
            "Ready for {use}, the {name} delivers {feature}.",
            "{brand} tested the {name} in the field so you can rely on it for {use}.",
            "Go further with the {name}: {feature} where it counts.",
        ),
        s_second=(
            "It is made from {material} to handle rough conditions.",
            "Thanks to {feature2}, it performs in every season.",
            "Athletes and guides helped {brand} fine-tune every detail.",
        ),
        s_detail=(
            "It packs down small and travels well.",
            "Spare parts and repairs are available for years to come.",
            "Rinse with fresh water after use to keep it in top condition.",
        ),
        s_close=(
            "Covered by a {n}-year {brand} warranty.",
            "Free returns within 30 days.",
            "Join the {brand} community for trail tips and events.",
        ),
        subs=(
            Sub(
                "Camping",
                ("Family", "Four-Season", "Budget", "Backpacking", "Festival"),
                (
                    L("Tents", "Tent", 60, 800, "tent"),
                    L("Sleeping Bags", "Sleeping Bag", 35, 450, "bag_length"),
                    L("Camping Stoves", "Camping Stove", 25, 250, "outdoor_colour"),
                    L("Backpacks", "Hiking Backpack", 40, 350, "litres"),
                ),
            ),
            Sub(
                "Fitness",
                ("Home", "Compact", "Adjustable", "Beginner", "Commercial"),
                (
                    L("Yoga Mats", "Yoga Mat", 15, 130, "outdoor_colour"),
                    L("Dumbbells", "Dumbbell Set", 25, 400, "weight"),
                    L("Resistance Bands", "Resistance Band Set", 10, 60, "outdoor_colour"),
                    L("Exercise Bikes", "Exercise Bike", 200, 2200, "outdoor_colour"),
                ),
            ),
            Sub(
                "Cycling",
                ("Road", "Mountain", "Commuter", "Kids'", "Electric"),
                (
                    L("Bikes", "Bike", 300, 4500, "frame"),
                    L("Helmets", "Cycling Helmet", 30, 250, "frame"),
                    L("Bike Lights", "Bike Light Set", 15, 120, "outdoor_colour"),
                    L("Cycling Jerseys", "Cycling Jersey", 30, 150, "apparel"),
                ),
            ),
            Sub(
                "Water Sports",
                ("Beginner", "Touring", "Kids'", "Performance", "Cold-Water"),
                (
                    L("Swimwear", "Swimsuit", 20, 120, "apparel"),
                    L("Paddle Boards", "Paddle Board", 250, 1400, "board"),
                    L("Snorkel Sets", "Snorkel Set", 20, 120, "frame"),
                    L("Wetsuits", "Wetsuit", 60, 450, "apparel"),
                ),
            ),
        ),
    ),
    Top(
        slug="books",
        name="Books",
        style="book",
        model="none",
        brands=(
            "Penrose Press",
            "Harbor Lane Books",
            "Lanternfield",
            "Quill & Ink",
            "Bluebird House",
            "Meridian Books",
            "Foxglove Press",
            "Inkwell Editions",
            "Greystone Publishing",
            "Paperkite",
        ),
        adjectives=(
            "Silent",
            "Hidden",
            "Last",
            "Forgotten",
            "Golden",
            "Broken",
            "Secret",
            "Midnight",
            "Distant",
            "Quiet",
            "Wild",
            "Lost",
        ),
        title_nouns=(
            "Harbor",
            "Garden",
            "River",
            "Kingdom",
            "Orchard",
            "Lighthouse",
            "Winter",
            "Promise",
            "Compass",
            "Archive",
            "Shore",
            "Mountain",
        ),
        trade=("Books", "Bookshop", "Booksellers", "Reads", "Pages"),
        features=(
            "unforgettable characters",
            "a page-turning plot",
            "vivid, atmospheric writing",
            "meticulous research",
            "warmth and humour",
            "beautiful illustrations",
            "practical, step-by-step advice",
            "a twist you will not see coming",
        ),
        materials=("a sewn binding", "acid-free paper", "a cloth-bound cover", "full-colour photography"),
        uses=("long train journeys", "book clubs", "quiet evenings", "bedtime reading", "curious minds", "holidays"),
        s_open=(
            "This {noun} is full of {feature} and {feature2}.",
            "Published by {brand}, this {noun} is celebrated for {feature}.",
            "Perfect for {use}, with {feature} from the first page to the last.",
            "Critics have praised this {noun} for {feature}.",
        ),
        s_second=(
            "It is printed with {material} and built to be read again and again.",
            "Readers single out its {feature2}.",
            "The author draws on years of experience to bring every page to life.",
        ),
        s_detail=(
            "Includes a reading group guide and an interview with the author.",
            "Also available as an e-book and an audiobook.",
            "A perfect gift for {use}.",
        ),
        s_close=(
            "Shortlisted for several national book awards.",
            "Free returns within 30 days.",
            "One of {brand}'s bestselling titles this year.",
        ),
        subs=(
            Sub(
                "Fiction",
                ("Bestselling", "Award-Winning", "Classic", "Debut", "Illustrated"),
                (
                    L("Mystery & Thriller", "Mystery Novel", 8, 30, "book"),
                    L("Science Fiction", "Science Fiction Novel", 8, 30, "book"),
                    L("Romance", "Romance Novel", 7, 25, "book"),
                    L("Fantasy", "Fantasy Novel", 8, 32, "book"),
                ),
            ),
            Sub(
                "Non-Fiction",
                ("Bestselling", "Award-Winning", "Illustrated", "Essential", "Definitive"),
                (
                    L("Biographies", "Biography", 10, 40, "book"),
                    L("History", "History Book", 12, 45, "book"),
                    L("Science", "Popular Science Book", 12, 40, "book"),
                    L("Self-Help", "Self-Help Guide", 10, 30, "book"),
                ),
            ),
            Sub(
                "Children's Books",
                ("Bedtime", "Illustrated", "Bestselling", "Classic", "Funny"),
                (
                    L("Picture Books", "Picture Book", 6, 20, "book"),
                    L("Early Readers", "Early Reader", 5, 15, "book"),
                    L("Middle Grade", "Middle Grade Novel", 7, 18, "book"),
                    L("Young Adult", "Young Adult Novel", 8, 22, "book"),
                ),
            ),
            Sub(
                "Cooking & Food",
                ("Vegetarian", "Quick & Easy", "Family", "Budget", "Seasonal"),
                (
                    L("Cookbooks", "Cookbook", 15, 45, "book"),
                    L("Baking", "Baking Book", 15, 40, "book"),
                    L("Wine & Drinks", "Drinks Guide", 12, 35, "book"),
                    L("Healthy Eating", "Healthy Eating Cookbook", 14, 38, "book"),
                ),
            ),
        ),
    ),
    Top(
        slug="toys-games",
        name="Toys & Games",
        style="standard",
        model="none",
        brands=(
            "Tinker Town",
            "Brightbloc",
            "Wonderkin",
            "Puzzlewood",
            "Little Comet",
            "Playmaker Co",
            "Jumbly",
            "Kidora",
            "Toyforge",
            "Sprout & Sprocket",
        ),
        adjectives=(
            "Junior",
            "Mini",
            "Mega",
            "Super",
            "Creative",
            "Classic",
            "Deluxe",
            "Adventure",
            "Discovery",
            "Rainbow",
        ),
        trade=("Toys", "Toybox", "Games", "Playhouse", "Toy Shop"),
        features=(
            "hours of open-ended play",
            "bright, child-safe colours",
            "chunky pieces for small hands",
            "STEM-friendly challenges",
            "rounded, splinter-free edges",
            "easy-to-follow instructions",
            "screen-free family fun",
            "sturdy, drop-tested construction",
        ),
        materials=(
            "sustainably sourced wood",
            "BPA-free plastic",
            "soft recycled plush",
            "water-based paints",
            "recycled cardboard",
        ),
        uses=(
            "rainy afternoons",
            "family game night",
            "birthday gifts",
            "imaginative play",
            "early learning",
            "travel",
        ),
        s_open=(
            "The {name} offers {feature} for {use}.",
            "Made with {material}, the {name} is built for {feature}.",
            "The {name} from {brand} turns {use} into an adventure.",
            "Spark curiosity with the {name}: {feature} and {feature2}.",
        ),
        s_second=(
            "It features {feature2} and meets EN 71 and ASTM toy safety standards.",
            "Designed with teachers and parents to support learning through play.",
            "Every set is checked for quality before it leaves the workshop.",
        ),
        s_detail=(
            "Recommended for ages {n} and up.",
            "Pieces store neatly in the box for easy tidying.",
            "Works with other {brand} sets for even bigger adventures.",
        ),
        s_close=(
            "Gift-ready packaging included.",
            "Free returns within 30 days.",
            "Covered by a {n}-year {brand} guarantee.",
        ),
        subs=(
            Sub(
                "Building Toys",
                ("Wooden", "STEM", "Collector's", "Travel", "Glow-in-the-Dark"),
                (
                    L("Building Sets", "Building Set", 15, 250, "edition"),
                    L("Marble Runs", "Marble Run", 20, 120, "edition"),
                    L("Magnetic Tiles", "Magnetic Tile Set", 25, 150, "edition"),
                    L("Model Kits", "Model Kit", 15, 180, "edition"),
                ),
            ),
            Sub(
                "Games & Puzzles",
                ("Family", "Party", "Two-Player", "Cooperative", "Travel"),
                (
                    L("Strategy Games", "Strategy Game", 20, 90, "edition"),
                    L("Board Games", "Board Game", 15, 60, "edition"),
                    L("Card Games", "Card Game", 8, 35, "edition"),
                    L("Puzzles", "Jigsaw Puzzle", 10, 45, "pieces"),
                ),
            ),
            Sub(
                "Outdoor Play",
                ("Folding", "Light-Up", "Garden", "Toddler", "Premium"),
                (
                    L("Scooters", "Scooter", 30, 250, "toy_colour"),
                    L("Trampolines", "Trampoline", 80, 700, "trampoline"),
                    L("Water Toys", "Water Blaster", 8, 45, "toy_colour"),
                    L("Kites", "Kite", 10, 80, "toy_colour"),
                ),
            ),
            Sub(
                "Dolls & Figures",
                ("Collector's", "Poseable", "Vintage", "Eco-Friendly", "Musical"),
                (
                    L("Dolls", "Doll", 12, 120, "toy_colour"),
                    L("Action Figures", "Action Figure", 10, 80, "edition"),
                    L("Plush Toys", "Plush Toy", 8, 60, "plush"),
                    L("Dollhouses", "Dollhouse", 50, 350, "edition"),
                ),
            ),
        ),
    ),
    Top(
        slug="beauty",
        name="Beauty & Personal Care",
        style="standard",
        model="none",
        brands=(
            "Lumiere",
            "Dewdrop",
            "Velvetine",
            "Botanica",
            "Aurelle",
            "Pure Ritual",
            "Solstice Skin",
            "Glow & Co",
            "Maren",
            "Silk Theory",
        ),
        adjectives=(
            "Hydrating",
            "Nourishing",
            "Radiant",
            "Gentle",
            "Daily",
            "Revitalising",
            "Soothing",
            "Pure",
            "Intensive",
            "Clarifying",
        ),
        trade=("Beauty", "Skin", "Cosmetics", "Apothecary", "Glow"),
        features=(
            "a lightweight, non-greasy texture",
            "skin-loving botanicals",
            "long-lasting hydration",
            "a subtle, natural fragrance",
            "dermatologist-tested ingredients",
            "a silky finish",
            "visible results in weeks",
            "a formula suitable for sensitive skin",
        ),
        materials=("hyaluronic acid", "shea butter", "vitamin C", "argan oil", "aloe vera", "niacinamide"),
        uses=(
            "morning routines",
            "sensitive skin",
            "evening self-care",
            "long days on the go",
            "dry winter months",
            "an everyday glow",
        ),
        s_open=(
            "The {name} offers {feature} for {use}.",
            "Enriched with {material}, the {name} delivers {feature}.",
            "{brand} formulated the {name} for {use}.",
            "Treat yourself to the {name}: {feature} and {feature2}.",
        ),
        s_second=(
            "Its formula combines {material} with {feature2}.",
            "Free from parabens and never tested on animals.",
            "Apply morning and evening for best results.",
        ),
        s_detail=(
            "Packaged in recyclable materials.",
            "Loved by make-up artists and skincare editors.",
            "Patch test before first use.",
        ),
        s_close=(
            "Free returns on unopened items within 30 days.",
            "Part of the {brand} signature range.",
            "Made in small batches for freshness.",
        ),
        subs=(
            Sub(
                "Skincare",
                ("Organic", "Vegan", "Anti-Ageing", "Fragrance-Free", "Travel-Size"),
                (
                    L("Moisturisers", "Moisturiser", 10, 90, "ml"),
                    L("Cleansers", "Facial Cleanser", 8, 50, "ml"),
                    L("Serums", "Face Serum", 15, 120, "ml"),
                    L("Sunscreen", "Sunscreen SPF 50", 8, 45, "ml"),
                ),
            ),
            Sub(
                "Haircare",
                ("Salon", "Organic", "Sulfate-Free", "Volumising", "Travel-Size"),
                (
                    L("Shampoo", "Shampoo", 6, 40, "ml"),
                    L("Conditioner", "Conditioner", 6, 40, "ml"),
                    L("Hair Masks", "Hair Mask", 10, 50, "ml"),
                    L("Hair Oils", "Hair Oil", 10, 60, "ml"),
                ),
            ),
            Sub(
                "Makeup",
                ("Long-Wear", "Vegan", "Matte", "Natural", "Waterproof"),
                (
                    L("Lipstick", "Lipstick", 8, 45, "lip"),
                    L("Foundation", "Foundation", 12, 60, "shade"),
                    L("Mascara", "Mascara", 8, 35, "mascara"),
                    L("Eyeshadow Palettes", "Eyeshadow Palette", 12, 70, "palette"),
                ),
            ),
            Sub(
                "Fragrance",
                ("Floral", "Woody", "Fresh", "Citrus", "Amber"),
                (
                    L("Perfume", "Eau de Parfum", 30, 250, "fragrance"),
                    L("Cologne", "Eau de Toilette", 25, 180, "fragrance"),
                    L("Body Mists", "Body Mist", 10, 45, "ml"),
                    L("Gift Sets", "Fragrance Gift Set", 30, 200, "gift_set"),
                ),
            ),
        ),
    ),
    Top(
        slug="garden",
        name="Garden & Outdoor",
        style="standard",
        model="none",
        brands=(
            "Greenthumb",
            "Fernwood",
            "Bloomfield",
            "Terra Verde",
            "Rootstock",
            "Hedgerow",
            "Meadowbrook",
            "Sprout & Spade",
            "Wildroot",
            "Gardenia Works",
        ),
        adjectives=(
            "Heavy-Duty",
            "Ergonomic",
            "Weatherproof",
            "Classic",
            "Essential",
            "Professional",
            "Eco",
            "Heritage",
            "Deluxe",
            "Everyday",
        ),
        trade=("Garden", "Gardens", "Nursery", "Greenhouse", "Yard"),
        features=(
            "rust-resistant finishes",
            "a comfortable non-slip grip",
            "UV-stable materials",
            "easy assembly",
            "weatherproof construction",
            "a lightweight yet sturdy frame",
            "low-maintenance care",
            "generous capacity",
        ),
        materials=(
            "powder-coated steel",
            "FSC-certified acacia",
            "recycled plastic",
            "galvanised steel",
            "stainless steel",
            "weather-resistant rattan",
        ),
        uses=(
            "spring planting",
            "summer barbecues",
            "balcony gardens",
            "allotment days",
            "relaxing evenings outdoors",
            "year-round garden care",
        ),
        s_open=(
            "The {name} brings {feature} to {use}.",
            "Built for {use}, the {name} combines {feature} with {feature2}.",
            "{brand} designed the {name} for gardeners who want {feature}.",
            "Make the most of {use} with the {name}.",
        ),
        s_second=(
            "It is made from {material} to stand up to the elements.",
            "Thanks to {feature2}, it is ready for years of use.",
            "Every design is trialled in {brand}'s own test gardens.",
        ),
        s_detail=(
            "Store it in a dry place over winter to keep it looking new.",
            "Assembly takes minutes with the included fittings.",
            "A favourite of allotment holders and landscape designers.",
        ),
        s_close=(
            "Covered by a {n}-year {brand} guarantee.",
            "Free returns within 30 days.",
            "Part of the {brand} garden collection.",
        ),
        subs=(
            Sub(
                "Garden Tools",
                ("Stainless Steel", "Long-Handled", "Lightweight", "Kids'", "Premium"),
                (
                    L("Pruners", "Pruning Shears", 10, 80, "garden_colour"),
                    L("Spades", "Spade", 15, 90, "garden_colour"),
                    L("Rakes", "Rake", 12, 60, "garden_colour"),
                    L("Hoses", "Garden Hose", 15, 120, "hose"),
                ),
            ),
            Sub(
                "Plants & Seeds",
                ("Organic", "Heirloom", "Pollinator-Friendly", "Perennial", "Beginner"),
                (
                    L("Seeds", "Seed Collection", 4, 30, "pack"),
                    L("Bulbs", "Flower Bulbs", 6, 45, "pack"),
                    L("Houseplants", "Houseplant", 10, 90, "planter"),
                    L("Herbs", "Herb Plant", 5, 30, "planter"),
                ),
            ),
            Sub(
                "Outdoor Furniture",
                ("Teak", "Folding", "Stackable", "Rattan", "Compact"),
                (
                    L("Garden Chairs", "Garden Chair", 30, 350, "furniture_colour"),
                    L("Patio Tables", "Patio Table", 80, 900, "furniture_colour"),
                    L("Hammocks", "Hammock", 30, 250, "furniture_colour"),
                    L("Parasols", "Parasol", 30, 400, "furniture_colour"),
                ),
            ),
            Sub(
                "Grills",
                ("Portable", "Premium", "Compact", "Family", "Smart"),
                (
                    L("Gas Grills", "Gas Grill", 150, 1500, "burners"),
                    L("Charcoal Grills", "Charcoal Grill", 50, 600, "grill_size"),
                    L("Grill Tools", "Grill Tool Set", 15, 90, "garden_colour"),
                    L("Smokers", "Smoker", 150, 1200, "grill_size"),
                ),
            ),
        ),
    ),
    Top(
        slug="pet-supplies",
        name="Pet Supplies",
        style="standard",
        model="none",
        brands=(
            "Pawsome",
            "Tailwind Pets",
            "Furbish",
            "Barkley & Co",
            "Whisker Works",
            "Happy Hound",
            "Purrfect",
            "Scout & Sage",
            "Kibble Kitchen",
            "Nosewise",
        ),
        adjectives=(
            "Cozy",
            "Durable",
            "Natural",
            "Premium",
            "Playful",
            "Orthopedic",
            "Adventure",
            "Calming",
            "Everyday",
            "Deluxe",
        ),
        trade=("Pets", "Pet Supply", "Paws", "Pet Co", "Critters"),
        features=(
            "a chew-resistant build",
            "vet-approved ingredients",
            "a machine-washable cover",
            "non-toxic materials",
            "a non-slip base",
            "easy-clean surfaces",
            "a calming, cosy design",
            "grain-free nutrition",
        ),
        materials=(
            "memory foam",
            "natural rubber",
            "recycled polyester",
            "sustainably sourced wood",
            "stainless steel",
            "organic cotton",
        ),
        uses=(
            "daily walks",
            "long naps",
            "indoor play",
            "travel with pets",
            "training sessions",
            "growing puppies and kittens",
        ),
        s_open=(
            "The {name} offers {feature} for {use}.",
            "Made with {material}, the {name} is built for {feature}.",
            "{brand} designed the {name} with vets and pet owners.",
            "Give your pet the {name}: {feature} and {feature2}.",
        ),
        s_second=(
            "It features {feature2}, so it stays fresh and safe.",
            "Every product is tested by {brand}'s own four-legged team.",
            "It is made from {material} that is gentle on paws.",
        ),
        s_detail=(
            "Suitable for pets of all ages.",
            "Replacement parts are available from {brand}.",
            "Introduce new products gradually for best results.",
        ),
        s_close=(
            "Free returns within 30 days.",
            "Covered by a {n}-year {brand} guarantee.",
            "A share of every sale supports local animal shelters.",
        ),
        subs=(
            Sub(
                "Dogs",
                ("Puppy", "Senior", "Large-Breed", "Small-Breed", "Eco-Friendly"),
                (
                    L("Dog Beds", "Dog Bed", 25, 250, "pet_size"),
                    L("Dog Food", "Dog Food", 12, 90, "food"),
                    L("Leashes", "Dog Leash", 10, 50, "pet_size"),
                    L("Dog Toys", "Dog Toy", 5, 30, "pet_size"),
                ),
            ),
            Sub(
                "Cats",
                ("Kitten", "Senior", "Indoor", "Eco-Friendly", "Multi-Cat"),
                (
                    L("Cat Trees", "Cat Tree", 40, 300, "pet_colour"),
                    L("Cat Food", "Cat Food", 10, 70, "food"),
                    L("Litter Boxes", "Litter Box", 15, 200, "pet_colour"),
                    L("Cat Toys", "Cat Toy", 4, 25, "pack"),
                ),
            ),
            Sub(
                "Fish & Aquatics",
                ("Freshwater", "Marine", "Nano", "Planted", "Beginner"),
                (
                    L("Aquariums", "Aquarium", 40, 800, "tank"),
                    L("Filters", "Aquarium Filter", 15, 200, "tank"),
                    L("Fish Food", "Fish Food", 4, 25, "pack"),
                    L("Decorations", "Aquarium Ornament", 5, 40, "pack"),
                ),
            ),
            Sub(
                "Small Animals",
                ("Indoor", "Outdoor", "Compact", "Organic", "Starter"),
                (
                    L("Hamster Cages", "Hamster Cage", 30, 200, "pet_size"),
                    L("Rabbit Hutches", "Rabbit Hutch", 60, 400, "pet_size"),
                    L("Bedding", "Small Animal Bedding", 6, 35, "pack"),
                    L("Treats", "Small Animal Treats", 3, 20, "pack"),
                ),
            ),
        ),
    ),
    Top(
        slug="office",
        name="Office Products",
        style="standard",
        model="none",
        brands=(
            "Deskwise",
            "Ledgerline",
            "Papermill",
            "Inkstone",
            "Clearview Office",
            "Stackwise",
            "Penwright",
            "Workhaven",
            "Notable",
            "Foldline",
        ),
        adjectives=(
            "Ergonomic",
            "Executive",
            "Classic",
            "Compact",
            "Premium",
            "Everyday",
            "Smart",
            "Minimalist",
            "Professional",
            "Essential",
        ),
        trade=("Office", "Stationery", "Supplies", "Workspace", "Desk"),
        features=(
            "a clutter-free design",
            "smooth, reliable performance",
            "sturdy construction",
            "easy assembly",
            "an adjustable fit for every desk",
            "eco-friendly materials",
            "a professional finish",
            "space-saving storage",
        ),
        materials=(
            "recycled paper",
            "powder-coated steel",
            "bamboo",
            "solid beech",
            "recycled plastic",
            "tempered glass",
        ),
        uses=(
            "home offices",
            "busy open-plan teams",
            "students",
            "long working days",
            "small businesses",
            "creative studios",
        ),
        s_open=(
            "The {name} brings {feature} to {use}.",
            "Built for {use}, the {name} combines {feature} with {feature2}.",
            "{brand} designed the {name} to make work a little easier.",
            "Stay organised with the {name}: {feature} and {feature2}.",
        ),
        s_second=(
            "It is made from {material} for years of daily use.",
            "Thanks to {feature2}, it fits any workspace.",
            "Every item is checked by {brand} before dispatch.",
        ),
        s_detail=(
            "Volume pricing is available for business customers.",
            "Pairs well with the rest of the {brand} range.",
            "Ships in plastic-free packaging.",
        ),
        s_close=(
            "Covered by a {n}-year {brand} warranty.",
            "Free returns within 30 days.",
            "VAT invoices available on request.",
        ),
        subs=(
            Sub(
                "Stationery",
                ("Recycled", "Refillable", "Pocket", "Bulk", "Colourful"),
                (
                    L("Notebooks", "Notebook", 5, 40, "pack"),
                    L("Pens", "Gel Pen Set", 4, 40, "pack"),
                    L("Planners", "Planner", 10, 45, "planner"),
                    L("Sticky Notes", "Sticky Notes", 3, 20, "pack"),
                ),
            ),
            Sub(
                "Office Furniture",
                ("Adjustable", "Space-Saving", "Home Office", "Modular", "Solid Wood"),
                (
                    L("Office Chairs", "Office Chair", 80, 1200, "office_colour"),
                    L("Desks", "Desk", 100, 1500, "desk"),
                    L("Bookcases", "Bookcase", 60, 600, "office_colour"),
                    L("Desk Lamps", "Desk Lamp", 15, 180, "office_colour"),
                ),
            ),
            Sub(
                "Printers & Ink",
                ("Wireless", "High-Yield", "Business", "All-in-One", "Eco-Friendly"),
                (
                    L("Printers", "Printer", 60, 900, "office_colour"),
                    L("Ink Cartridges", "Ink Cartridge", 10, 90, "pack"),
                    L("Printer Paper", "Printer Paper", 5, 60, "pack"),
                    L("Label Makers", "Label Maker", 20, 150, "office_colour"),
                ),
            ),
            Sub(
                "Organization",
                ("Stackable", "Lockable", "Magnetic", "Bamboo", "Modular"),
                (
                    L("Filing Cabinets", "Filing Cabinet", 60, 500, "office_colour"),
                    L("Desk Organisers", "Desk Organiser", 8, 60, "office_colour"),
                    L("Storage Boxes", "Storage Box", 8, 60, "pack"),
                    L("Whiteboards", "Whiteboard", 20, 250, "board_size"),
                ),
            ),
        ),
    ),
)

# --- Vocabulary: variants ----------------------------------------------------------------


@dataclass(frozen=True)
class Scheme:
    """A product's variants differ in `key` (a run of 1-4 consecutive options, priced by
    `multipliers` relative to the first one: ascending, so the first is the cheapest and
    the product's cost follows it); `second_key`, if any, is fixed per product."""

    key: str
    options: tuple[str, ...]
    multipliers: tuple[float, ...]
    second_key: str | None = None
    second_options: tuple[str, ...] = ()


def _flat(options: tuple[str, ...]) -> tuple[float, ...]:
    return tuple(1.0 for _ in options)


_TECH_COLOURS = ("Black", "White", "Silver", "Midnight Blue", "Graphite", "Rose Gold")
_CLOTHES_COLOURS = ("Black", "Navy", "Olive", "Cream", "Burgundy", "Charcoal", "Sky Blue", "Camel")
_HOME_COLOURS = ("White", "Grey", "Sage", "Navy", "Oatmeal", "Terracotta")
_OUTDOOR_COLOURS = ("Forest Green", "Orange", "Sand", "Slate Grey", "Ocean Blue", "Black")
_TOY_COLOURS = ("Red", "Blue", "Yellow", "Green", "Pink", "Purple")
_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
SCHEMES: dict[str, Scheme] = {
    "tech_colour": Scheme("colour", _TECH_COLOURS, _flat(_TECH_COLOURS)),
    "storage": Scheme(
        "storage", ("64 GB", "128 GB", "256 GB", "512 GB", "1 TB"), (1, 1.15, 1.35, 1.65, 2.1), "colour", _TECH_COLOURS
    ),
    "screen": Scheme("size", ("24 in", "27 in", "32 in", "34 in"), (1, 1.3, 1.7, 2.0), "colour", ("Black", "White")),
    "mount": Scheme("mount", ("E-mount", "RF-mount", "Z-mount", "X-mount", "L-mount"), (1, 1, 1, 1, 1)),
    "cookware": Scheme(
        "size",
        ("20 cm", "24 cm", "28 cm", "32 cm"),
        (1, 1.15, 1.3, 1.5),
        "colour",
        ("Graphite", "Copper", "Black", "Sage"),
    ),
    "appliance": Scheme("colour", ("Black", "Stainless Steel", "White", "Cream", "Red"), (1, 1, 1, 1, 1)),
    "bed_size": Scheme(
        "size", ("Single", "Double", "King", "Super King"), (1, 1.25, 1.5, 1.7), "colour", _HOME_COLOURS
    ),
    "pack": Scheme("pack", ("Single", "Pack of 2", "Pack of 4", "Pack of 6"), (1, 1.9, 3.6, 5.2)),
    "home_colour": Scheme("colour", _HOME_COLOURS, _flat(_HOME_COLOURS)),
    "rug": Scheme(
        "size",
        ("60 x 90 cm", "120 x 170 cm", "160 x 230 cm", "200 x 290 cm"),
        (1, 2.2, 3.4, 5.0),
        "colour",
        _HOME_COLOURS,
    ),
    "scent": Scheme(
        "scent", ("Lavender", "Sandalwood", "Fresh Linen", "Vanilla", "Sea Salt", "Fig"), (1, 1, 1, 1, 1, 1)
    ),
    "print": Scheme("size", ("A4", "A3", "A2", "A1"), (1, 1.4, 1.9, 2.6)),
    "apparel": Scheme("size", _SIZES, _flat(_SIZES), "colour", _CLOTHES_COLOURS),
    "waist": Scheme("waist", ("28", "30", "32", "34", "36", "38"), (1, 1, 1, 1, 1, 1), "colour", _CLOTHES_COLOURS),
    "shoes": Scheme(
        "size",
        ("EU 38", "EU 39", "EU 40", "EU 41", "EU 42", "EU 43", "EU 44", "EU 45"),
        (1, 1, 1, 1, 1, 1, 1, 1),
        "colour",
        _CLOTHES_COLOURS,
    ),
    "fashion_colour": Scheme("colour", _CLOTHES_COLOURS, _flat(_CLOTHES_COLOURS)),
    "belt": Scheme(
        "size", ("80 cm", "90 cm", "100 cm", "110 cm", "120 cm"), (1, 1, 1, 1, 1), "colour", ("Black", "Brown", "Tan")
    ),
    "tent": Scheme(
        "capacity",
        ("1-Person", "2-Person", "3-Person", "4-Person", "6-Person"),
        (1, 1.2, 1.45, 1.7, 2.2),
        "colour",
        _OUTDOOR_COLOURS,
    ),
    "bag_length": Scheme(
        "length", ("Regular", "Long", "Wide", "Extra Long"), (1, 1.08, 1.12, 1.15), "colour", _OUTDOOR_COLOURS
    ),
    "litres": Scheme("volume", ("20 L", "30 L", "45 L", "65 L"), (1, 1.15, 1.35, 1.6), "colour", _OUTDOOR_COLOURS),
    "outdoor_colour": Scheme("colour", _OUTDOOR_COLOURS, _flat(_OUTDOOR_COLOURS)),
    "weight": Scheme("weight", ("2 kg", "4 kg", "6 kg", "8 kg", "10 kg"), (1, 1.6, 2.2, 2.8, 3.4)),
    "frame": Scheme("size", ("S", "M", "L", "XL"), (1, 1, 1, 1), "colour", _OUTDOOR_COLOURS),
    "board": Scheme(
        "length", ("9 ft", "10 ft 6 in", "11 ft", "12 ft 6 in"), (1, 1.1, 1.2, 1.35), "colour", _OUTDOOR_COLOURS
    ),
    "book": Scheme("format", ("E-book", "Paperback", "Audiobook", "Hardcover"), (0.6, 1, 1.4, 1.6)),
    "edition": Scheme("edition", ("Starter Set", "Standard", "Deluxe", "Collector's Edition"), (0.7, 1, 1.4, 2.0)),
    "pieces": Scheme("pieces", ("500 pieces", "1000 pieces", "1500 pieces", "2000 pieces"), (1, 1.2, 1.45, 1.7)),
    "toy_colour": Scheme("colour", _TOY_COLOURS, _flat(_TOY_COLOURS)),
    "trampoline": Scheme("size", ("6 ft", "8 ft", "10 ft", "12 ft", "14 ft"), (1, 1.3, 1.6, 1.9, 2.3)),
    "plush": Scheme("size", ("Small", "Medium", "Large", "Giant"), (1, 1.5, 2.2, 3.5), "colour", _TOY_COLOURS),
    "ml": Scheme("volume", ("30 ml", "50 ml", "100 ml", "200 ml"), (1, 1.5, 2.4, 3.8)),
    "lip": Scheme("shade", ("Rose", "Coral", "Ruby", "Nude", "Berry", "Plum"), (1, 1, 1, 1, 1, 1)),
    "shade": Scheme(
        "shade", ("Ivory", "Porcelain", "Sand", "Honey", "Caramel", "Mocha", "Espresso"), (1, 1, 1, 1, 1, 1, 1)
    ),
    "mascara": Scheme("colour", ("Black", "Brown Black", "Brown", "Navy"), (1, 1, 1, 1)),
    "palette": Scheme("palette", ("Nudes", "Smoky", "Warm", "Cool", "Jewel"), (1, 1, 1, 1, 1)),
    "fragrance": Scheme("volume", ("30 ml", "50 ml", "75 ml", "100 ml"), (1, 1.45, 1.9, 2.3)),
    "gift_set": Scheme("edition", ("Mini Set", "Classic Set", "Deluxe Set", "Collector's Set"), (0.6, 1, 1.5, 2.2)),
    "garden_colour": Scheme("colour", ("Green", "Orange", "Black", "Red"), (1, 1, 1, 1)),
    "hose": Scheme("length", ("15 m", "25 m", "30 m", "50 m"), (1, 1.5, 1.8, 2.6)),
    "planter": Scheme(
        "pot size",
        ("9 cm", "12 cm", "17 cm", "21 cm"),
        (1, 1.4, 2.1, 3.0),
        "pot",
        ("Terracotta", "Charcoal", "White", "Sage"),
    ),
    "furniture_colour": Scheme("colour", ("Natural", "Charcoal", "White", "Sage"), (1, 1, 1, 1)),
    "burners": Scheme("burners", ("2 burners", "3 burners", "4 burners", "5 burners"), (1, 1.25, 1.5, 1.8)),
    "grill_size": Scheme("size", ("47 cm", "57 cm", "67 cm", "77 cm"), (1, 1.2, 1.45, 1.75)),
    "pet_size": Scheme(
        "size", ("S", "M", "L", "XL"), (1, 1.25, 1.5, 1.8), "colour", ("Grey", "Navy", "Tan", "Forest Green")
    ),
    "pet_colour": Scheme("colour", ("Grey", "Beige", "Cream", "Charcoal"), (1, 1, 1, 1)),
    "food": Scheme("weight", ("1 kg", "2.5 kg", "6 kg", "12 kg"), (1, 2.2, 4.8, 8.5)),
    "tank": Scheme("volume", ("20 L", "60 L", "120 L", "200 L"), (1, 1.8, 3.0, 4.5)),
    "planner": Scheme(
        "size", ("A6", "A5", "B5", "A4"), (1, 1.15, 1.25, 1.35), "colour", ("Black", "Sage", "Blush", "Navy")
    ),
    "office_colour": Scheme("colour", ("Black", "Grey", "White", "Blue", "Oak"), (1, 1, 1, 1, 1.1)),
    "desk": Scheme(
        "width", ("100 cm", "120 cm", "140 cm", "160 cm"), (1, 1.12, 1.25, 1.4), "colour", ("White", "Oak", "Black")
    ),
    "board_size": Scheme("size", ("60 x 45 cm", "90 x 60 cm", "120 x 90 cm", "180 x 90 cm"), (1, 1.5, 2.2, 3.0)),
}

# --- Vocabulary: people, places, reviews --------------------------------------------------

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Sandra", "Anthony", "Ashley", "Mark", "Emily",
    "Steven", "Michelle", "Andrew", "Amanda", "Joshua", "Melissa", "Kevin", "Stephanie", "Brian", "Rebecca",
    "George", "Laura", "Timothy", "Amy", "Ryan", "Angela", "Jacob", "Emma", "Nicholas", "Anna",
    "Eric", "Nicole", "Jonathan", "Samantha", "Benjamin", "Katherine", "Samuel", "Rachel", "Gregory", "Maria",
    "Alexander", "Olivia", "Patrick", "Heather", "Jack", "Victoria", "Tyler", "Lauren", "Aaron", "Hannah",
    "Adam", "Megan", "Nathan", "Sophia", "Henry", "Abigail", "Zachary", "Isabella", "Peter", "Grace",
    "Noah", "Chloe", "Ethan", "Charlotte", "Liam", "Amelia", "Lucas", "Mia", "Oliver", "Harper",
    "Mateo", "Sofia", "Leo", "Lucia", "Luca", "Elena", "Finn", "Freya", "Oscar", "Ella",
    "Priya", "Arjun", "Aisha", "Omar", "Fatima", "Yusuf", "Layla", "Ravi", "Ananya", "Vikram",
    "Wei", "Mei", "Hiroshi", "Yuki", "Kenji", "Sakura", "Minjun", "Jiwoo", "Chen", "Lin",
    "Kwame", "Amara", "Tunde", "Zara", "Malik", "Imani", "Diego", "Camila", "Javier", "Valentina",
    "Lukas", "Marie", "Jonas", "Lena", "Felix", "Hanna", "Louis", "Camille", "Hugo", "Manon",
    "Sean", "Niamh", "Connor", "Aoife", "Rhys", "Cerys", "Callum", "Isla", "Jamie", "Morgan",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook",
    "Rogers", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Kim", "Cox",
    "Ward", "Richardson", "Watson", "Brooks", "Wood", "Bennett", "Gray", "Hughes", "Price", "Sanders",
    "Patel", "Myers", "Long", "Ross", "Foster", "Powell", "Jenkins", "Perry", "Russell", "Sullivan",
    "Bell", "Coleman", "Butler", "Henderson", "Barnes", "Fisher", "Simmons", "Graham", "Reynolds", "Griffin",
    "Wallace", "West", "Cole", "Hayes", "Gibson", "Ellis", "Tran", "Murray", "Ford", "Marshall",
    "Owens", "Harrison", "Fernandez", "McDonald", "Kennedy", "Wells", "Chen", "Webb", "Tucker", "Porter",
    "Hunter", "Gordon", "Silva", "Shaw", "Holmes", "Palmer", "Wagner", "Black", "Robertson", "Stone",
    "Schmidt", "Meyer", "Weber", "Fischer", "Becker", "Dubois", "Laurent", "Moreau", "Bernard", "Lefebvre",
    "Singh", "Sharma", "Khan", "Ali", "Ahmed", "Okafor", "Mensah", "Tanaka", "Sato", "Suzuki",
    "Wang", "Li", "Zhang", "Liu", "Park", "Choi", "O'Brien", "O'Connor", "Walsh", "Byrne",
    "Jansen", "de Vries", "van Dijk", "Rossi", "Russo", "Romano", "Novak", "Kowalski", "Nielsen", "Larsen",
)  # fmt: skip
SELLER_PREFIXES = (
    "Bluewater", "Northgate", "Maple Street", "Copper Hill", "Riverside", "Oak & Pine", "Silver Birch", "Harborview",
    "Summit", "Cedar Lane", "Lakeside", "Brightwater", "Redwood", "Stonebridge", "Westfield", "Eastwood",
    "Fairview", "Greenway", "Highland", "Ironwood", "Juniper", "Kingsley", "Larkspur", "Meadowvale",
    "Newport", "Old Orchard", "Parkside", "Quayside", "Rosewood", "Seabreeze", "Thornbury", "Union Square",
    "Valley", "Willow Creek", "Yardley", "Ashford", "Beacon", "Clearwater", "Dunmore", "Foxhollow",
)  # fmt: skip
# Each suffix slugifies differently, so names differing in the suffix get distinct slugs.
SELLER_SUFFIXES = ("", " Co.", " & Sons", " Supply", " Store", " Collective", " Direct", " Trading")
SELLER_CITIES = (
    "Austin", "Portland", "Denver", "Nashville", "Seattle", "Boston", "Chicago", "Brooklyn",
    "Minneapolis", "San Diego", "Asheville", "Madison", "Savannah", "Burlington", "Santa Fe", "Raleigh",
)  # fmt: skip
SELLER_PITCHES = (
    "We ship within two business days and answer every message personally.",
    "Every order is packed by hand, in recyclable packaging.",
    "We test everything we sell before it goes on the shelf.",
    "Small team, carefully chosen range, honest advice.",
    "Free gift wrapping on request.",
)
EMAIL_DOMAINS = ("example.com", "example.com", "example.net", "example.org")  # reserved for documentation
EN_STREETS = (
    "Maple", "Oak", "Cedar", "Elm", "Pine", "Birch", "Willow", "Harbour", "Station", "Church",
    "Mill", "Park", "Lake", "River", "Hill", "Highland", "Meadow", "Spring", "Sunset", "Washington",
    "Lincoln", "Franklin", "King", "Queen", "Victoria", "Albert", "George", "High", "Main", "Chestnut",
    "Walnut", "Orchard", "Bridge", "Market", "Water", "Forest", "Grove", "Hawthorn", "Primrose", "Windsor",
)  # fmt: skip
EN_STREET_TYPES = ("Street", "Avenue", "Road", "Lane", "Drive", "Court", "Way", "Place", "Terrace", "Close")


@dataclass(frozen=True)
class Country:
    code: str
    weight: float
    postal: str  # postal code style (see the address INSERT)
    phone: str  # phone style
    unit: str  # "Apt", "Flat"...
    streets: tuple[str, ...]  # for "en" style: combined with EN_STREET_TYPES
    street_style: str  # en: "12 Oak Street"; de/nl: "Hauptstraße 12"; fr: "12 rue Victor Hugo"
    cities: tuple[tuple[str, str, str, str], ...]  # (city, region, postal prefix, phone area)


COUNTRIES: tuple[Country, ...] = (
    Country(
        "US", 0.72, "us", "nanp", "Apt", EN_STREETS, "en",
        (
            ("New York", "NY", "100", "212"), ("Los Angeles", "CA", "900", "213"), ("Chicago", "IL", "606", "312"),
            ("Houston", "TX", "770", "713"), ("Phoenix", "AZ", "850", "602"), ("Philadelphia", "PA", "191", "215"),
            ("San Diego", "CA", "921", "619"), ("Dallas", "TX", "752", "214"), ("Austin", "TX", "787", "512"),
            ("Seattle", "WA", "981", "206"), ("Denver", "CO", "802", "303"), ("Boston", "MA", "021", "617"),
            ("Portland", "OR", "972", "503"), ("Nashville", "TN", "372", "615"), ("Atlanta", "GA", "303", "404"),
            ("Miami", "FL", "331", "305"), ("Minneapolis", "MN", "554", "612"), ("Columbus", "OH", "432", "614"),
            ("Charlotte", "NC", "282", "704"), ("Portland", "ME", "041", "207"), ("Madison", "WI", "537", "608"),
            ("Raleigh", "NC", "276", "919"), ("Salt Lake City", "UT", "841", "801"),
            ("San Francisco", "CA", "941", "415"),
        ),
    ),
    Country(
        "GB", 0.08, "gb", "gb", "Flat", EN_STREETS, "en",
        (
            ("London", "England", "SE1", ""), ("Manchester", "England", "M1", ""), ("Birmingham", "England", "B1", ""),
            ("Leeds", "England", "LS1", ""), ("Glasgow", "Scotland", "G1", ""), ("Edinburgh", "Scotland", "EH1", ""),
            ("Bristol", "England", "BS1", ""), ("Liverpool", "England", "L1", ""), ("Cardiff", "Wales", "CF10", ""),
            ("Belfast", "Northern Ireland", "BT1", ""), ("Oxford", "England", "OX1", ""),
            ("Cambridge", "England", "CB1", ""),
        ),
    ),
    Country(
        "CA", 0.06, "ca", "nanp", "Unit", EN_STREETS, "en",
        (
            ("Toronto", "ON", "M5V", "416"), ("Montreal", "QC", "H2X", "514"), ("Vancouver", "BC", "V6B", "604"),
            ("Calgary", "AB", "T2P", "403"), ("Ottawa", "ON", "K1P", "613"), ("Edmonton", "AB", "T5J", "780"),
            ("Winnipeg", "MB", "R3C", "204"), ("Halifax", "NS", "B3H", "902"), ("Victoria", "BC", "V8W", "250"),
        ),
    ),
    Country(
        "DE", 0.05, "de", "de", "Wohnung", (
            "Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schulstraße", "Lindenstraße", "Bergstraße",
            "Kirchweg", "Rosenweg", "Birkenallee", "Friedrichstraße", "Goethestraße", "Schillerstraße",
        ), "de",
        (
            ("Berlin", "Berlin", "10", "30"), ("Hamburg", "Hamburg", "20", "40"), ("München", "Bayern", "80", "89"),
            ("Köln", "Nordrhein-Westfalen", "50", "221"), ("Frankfurt am Main", "Hessen", "60", "69"),
            ("Stuttgart", "Baden-Württemberg", "70", "711"), ("Leipzig", "Sachsen", "04", "341"),
            ("Hannover", "Niedersachsen", "30", "511"), ("Bremen", "Bremen", "28", "421"),
        ),
    ),
    Country(
        "FR", 0.04, "fr", "fr", "Appartement", (
            "rue de la République", "rue Victor Hugo", "avenue Jean Jaurès", "rue Pasteur", "boulevard Voltaire",
            "rue des Lilas", "avenue de la Gare", "rue du Moulin", "rue Nationale", "place du Marché",
        ), "fr",
        (
            ("Paris", "Île-de-France", "750", ""), ("Lyon", "Auvergne-Rhône-Alpes", "690", ""),
            ("Marseille", "Provence-Alpes-Côte d'Azur", "130", ""), ("Toulouse", "Occitanie", "310", ""),
            ("Nantes", "Pays de la Loire", "440", ""), ("Strasbourg", "Grand Est", "670", ""),
            ("Bordeaux", "Nouvelle-Aquitaine", "330", ""), ("Lille", "Hauts-de-France", "590", ""),
        ),
    ),
    Country(
        "AU", 0.03, "au", "au", "Unit", EN_STREETS, "en",
        (
            ("Sydney", "NSW", "2000", "2"), ("Melbourne", "VIC", "3000", "3"), ("Brisbane", "QLD", "4000", "7"),
            ("Perth", "WA", "6000", "8"), ("Adelaide", "SA", "5000", "8"), ("Hobart", "TAS", "7000", "3"),
            ("Canberra", "ACT", "2600", "2"),
        ),
    ),
    Country(
        "NL", 0.02, "nl", "nl", "", (
            "Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenweg", "Schoolstraat", "Prinsengracht",
            "Keizersgracht", "Julianalaan", "Wilhelminastraat", "Herengracht",
        ), "nl",
        (
            ("Amsterdam", "Noord-Holland", "10", "20"), ("Rotterdam", "Zuid-Holland", "30", "10"),
            ("Den Haag", "Zuid-Holland", "25", "70"), ("Utrecht", "Utrecht", "35", "30"),
            ("Eindhoven", "Noord-Brabant", "56", "40"), ("Groningen", "Groningen", "97", "50"),
        ),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class ReviewText:
    titles: tuple[str, ...]
    # Body: 1-3 sentences, one from each slot. Placeholders: {noun} {brand}
    s_a: tuple[str, ...]
    s_b: tuple[str, ...]
    s_c: tuple[str, ...]


REVIEW_TEXT: dict[int, ReviewText] = {
    5: ReviewText(
        (
            "Absolutely love it",
            "Exceeded my expectations",
            "Five stars",
            "Best purchase this year",
            "Highly recommend",
            "Worth every penny",
            "Fantastic quality",
            "Perfect",
        ),
        (
            "Absolutely love my new {noun}.",
            "This {noun} exceeded every expectation I had.",
            "Best {noun} I have owned, hands down.",
            "I did a lot of research and the {brand} {noun} was the right call.",
        ),
        (
            "Quality feels premium and it arrived well packed.",
            "It has held up perfectly after weeks of daily use.",
            "Great value for the price.",
            "Delivery was quick and the seller kept me updated.",
        ),
        (
            "Highly recommend.",
            "Already ordered a second one as a gift.",
            "Five stars from me.",
            "Would buy again without hesitation.",
        ),
    ),
    4: ReviewText(
        (
            "Very good",
            "Really solid",
            "Happy with it",
            "Great value",
            "Almost perfect",
            "Good quality",
            "Would buy again",
        ),
        (
            "Really happy with this {noun}.",
            "Solid {noun} for the money.",
            "The {brand} {noun} does almost everything I wanted.",
            "Good {noun}, just short of perfect.",
        ),
        (
            "Only small gripe: the instructions could be clearer.",
            "It took a day longer to arrive than promised.",
            "Slightly smaller than I expected, but it works well.",
            "Packaging could use less plastic.",
        ),
        ("Would recommend.", "Four stars.", "I would buy from {brand} again."),
    ),
    3: ReviewText(
        ("It's okay", "Decent, not great", "Average", "Mixed feelings", "Fine for the price", "Does the job"),
        (
            "This {noun} is okay.",
            "Mixed feelings about this {noun}.",
            "It does the job, nothing more.",
            "An average {noun} at a fair price.",
        ),
        (
            "Build quality is average for the price.",
            "It works, but I expected a bit more from {brand}.",
            "Some details feel like an afterthought.",
        ),
        ("Fine if it is on sale.", "Not bad, not great.", "I might look elsewhere next time."),
    ),
    2: ReviewText(
        ("Disappointed", "Not as described", "Below expectations", "Could be better", "Not for me"),
        (
            "Disappointed with this {noun}.",
            "The {noun} looked better in the photos.",
            "I expected more from a {brand} {noun}.",
        ),
        (
            "It started showing wear after a couple of weeks.",
            "Customer service was slow to respond.",
            "It does not quite match the description.",
        ),
        ("Would not buy again.", "Two stars because it technically works.", "Expected better."),
    ),
    1: ReviewText(
        ("Terrible", "Waste of money", "Do not buy", "Very poor quality", "Returned it"),
        (
            "Terrible {noun}.",
            "Save your money and skip this {noun}.",
            "This {noun} broke within a week.",
        ),
        (
            "It stopped working after a few days.",
            "It arrived damaged and the replacement was no better.",
            "Nothing like the description.",
        ),
        ("Returned it for a refund.", "Avoid.", "One star is generous."),
    ),
}

# Rating distributions: cumulative bounds for 1, 2, 3, 4 stars (the rest is 5). 12 % of
# products are "poor"; overall about 5:45 % 4:30 % 3:12 % 2:6 % 1:7 %.
RATING_BOUNDS_GOOD = [0.041, 0.085, 0.191, 0.507]
RATING_BOUNDS_POOR = [0.28, 0.46, 0.68, 0.86]
POOR_PRODUCT_SHARE = 0.12

# --- Building the category tree ------------------------------------------------------------


@dataclass
class TreeRows:
    categories: list[dict[str, Any]]  # every category: ord, parent_ord, depth, name, slug, ...
    leaves: list[dict[str, Any]]  # the categories products are put in


def build_tree(scale: Scale) -> TreeRows:
    """The category tree of a scale, as rows (ordinals, not ids: ids are reserved later)."""
    categories: list[dict[str, Any]] = []
    leaves: list[dict[str, Any]] = []
    slugs: set[str] = set()

    def add(name: str, parent: dict[str, Any] | None, position: int, description: str) -> dict[str, Any]:
        slug = slugify(name)
        if slug in slugs and parent is not None:
            slug = slugify(f"{parent['name']} {name}")
        if slug in slugs:
            raise AssertionError(f"duplicate category slug {slug!r}")
        slugs.add(slug)
        row = {
            "ord": len(categories) + 1,
            "parent_ord": parent["ord"] if parent else None,
            "depth": parent["depth"] + 1 if parent else 0,
            "name": name,
            "slug": slug,
            "position": position,
            "description": description,
        }
        categories.append(row)
        return row

    def add_leaf(
        row: dict[str, Any], top_no: int, leaf: Leaf, qualifier: str | None, siblings: int, sib_no: int
    ) -> None:
        leaves.append(
            {
                "leaf_no": len(leaves) + 1,
                "cat_ord": row["ord"],
                "parent_ord": row["parent_ord"],
                "top_no": top_no,
                "sib_no": sib_no,
                "sib_count": siblings,
                "noun": leaf.noun,
                "qualifier": qualifier,
                "price_low": leaf.price_low,
                "price_high": leaf.price_high,
                "scheme": leaf.scheme,
            }
        )

    for top_no, top in enumerate(TOPS[: scale.tops], start=1):
        subs = top.subs[: scale.subs]
        top_row = add(top.name, None, top_no - 1, f"{top.name} from independent sellers: {_and(s.name for s in subs)}.")
        top_row["slug"] = top.slug  # the image names use these slugs
        slugs.add(top.slug)
        for sub_pos, sub in enumerate(subs):
            sub_leaves = sub.leaves[: scale.leaves]
            sub_row = add(sub.name, top_row, sub_pos, f"{sub.name}: {_and(leaf.name.lower() for leaf in sub_leaves)}.")
            for leaf_pos, leaf in enumerate(sub_leaves):
                leaf_row = add(
                    leaf.name,
                    sub_row,
                    leaf_pos,
                    f"Shop {leaf.name.lower()} from independent sellers, by price and rating.",
                )
                if not scale.qualified:
                    add_leaf(leaf_row, top_no, leaf, None, len(sub_leaves), leaf_pos + 1)
                    continue
                # 150 leaves x 5 qualifiers + 10 x 4 = 790 fourth-level categories: 1,000 in all.
                last_of_top = sub_pos == len(subs) - 1 and leaf_pos == len(sub_leaves) - 1
                qualifiers = sub.qualifiers[: 4 if last_of_top else 5]
                for q_pos, qualifier in enumerate(qualifiers):
                    name = f"{qualifier} {leaf.name}"
                    q_row = add(name, leaf_row, q_pos, f"{name} from independent sellers.")
                    add_leaf(q_row, top_no, leaf, qualifier, len(qualifiers), q_pos + 1)
    return TreeRows(categories, leaves)


def _and(words: Any) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _email_safe(name: str) -> str:
    return "".join(ch for ch in name.lower() if "a" <= ch <= "z")


def _vocabulary(scale: Scale) -> dict[str, Any]:
    """Everything the SQL needs besides the seed and the counts, as JSON-ready values."""
    tops = [
        {
            "top_no": n,
            "slug": top.slug,
            "name": top.name,
            "style": top.style,
            "model": top.model,
            "brands": list(top.brands),
            "adjectives": list(top.adjectives),
            "title_nouns": list(top.title_nouns),
            "trade": list(top.trade),
            "features": list(top.features),
            "materials": list(top.materials),
            "uses": list(top.uses),
            "s_open": list(top.s_open),
            "s_second": list(top.s_second),
            "s_detail": list(top.s_detail),
            "s_close": list(top.s_close),
        }
        for n, top in enumerate(TOPS[: scale.tops], start=1)
    ]
    schemes = [
        {
            "scheme": name,
            "pkey": s.key,
            "options": list(s.options),
            "mults": list(s.multipliers),
            "skey": s.second_key,
            "soptions": list(s.second_options),
        }
        for name, s in SCHEMES.items()
    ]
    first_names = {"names": list(FIRST_NAMES), "emails": [_email_safe(n) for n in FIRST_NAMES]}
    last_names = {"names": list(LAST_NAMES), "emails": [_email_safe(n) for n in LAST_NAMES]}
    people = {
        "seller_prefixes": list(SELLER_PREFIXES),
        "seller_suffixes": list(SELLER_SUFFIXES),
        "seller_cities": list(SELLER_CITIES),
        "seller_pitches": list(SELLER_PITCHES),
        "email_domains": list(EMAIL_DOMAINS),
        "en_street_types": list(EN_STREET_TYPES),
    }
    countries = [
        {
            "country_no": n,
            "code": c.code,
            "postal": c.postal,
            "phone": c.phone,
            "unit": c.unit,
            "streets": list(c.streets),
            "street_style": c.street_style,
            "n_cities": len(c.cities),
        }
        for n, c in enumerate(COUNTRIES, start=1)
    ]
    cities = [
        {"country_no": n, "city_no": m, "city": city, "region": region, "postal": postal, "area": area}
        for n, c in enumerate(COUNTRIES, start=1)
        for m, (city, region, postal, area) in enumerate(c.cities, start=1)
    ]
    reviews = [
        {"rating": r, "titles": list(t.titles), "s_a": list(t.s_a), "s_b": list(t.s_b), "s_c": list(t.s_c)}
        for r, t in REVIEW_TEXT.items()
    ]
    bounds, total = [], 0.0
    for c in COUNTRIES[:-1]:
        total += c.weight
        bounds.append(round(total, 6))
    return {
        "tops": tops,
        "schemes": schemes,
        "first_names": first_names,
        "last_names": last_names,
        "people": people,
        "countries": countries,
        "cities": cities,
        "reviews": reviews,
        "country_bounds": bounds,
    }


# --- SQL ------------------------------------------------------------------------------------
# Every statement is a constant; values travel as query parameters. pg_temp.rnd(seed, stream,
# i) is uniform in [0, 1): a hash of i salted by the stream name, inlined by the planner.

SQL_FUNCTIONS = (
    """
    CREATE OR REPLACE FUNCTION pg_temp.rnd(p_seed bigint, p_stream text, p_i bigint) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT ((hashint8extended(p_i, p_seed * 4294967296 + hashtext(p_stream)) >> 11) & 9007199254740991)
               ::double precision / 9007199254740992.0
    $$
    """,
    # Customer number i of n joined in the four years before p_end, in order of i.
    """
    CREATE OR REPLACE FUNCTION pg_temp.joined_at(p_seed bigint, p_i bigint, p_n bigint, p_end timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT p_end - interval '1460 days' * (1 - (p_i - 1 + pg_temp.rnd(p_seed, 'joined', p_i)) / p_n)
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION pg_temp.slugify(p text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT trim(both '-' from regexp_replace(lower(replace(p, '''', '')), '[^a-z0-9]+', '-', 'g'))
    $$
    """,
)

# Word lists: small temporary tables. Arrays are stored PLAIN (never compressed or moved
# out of line), so reading one element per row costs no decompression.
SQL_VOCABULARY = (
    (
        "tops",
        """CREATE TEMP TABLE gen_top (
               top_no int PRIMARY KEY, slug text, name text, style text, model text, brands text[],
               adjectives text[], title_nouns text[], trade text[], features text[], materials text[], uses text[],
               s_open text[], s_second text[], s_detail text[], s_close text[]) ON COMMIT DROP""",
        """ALTER TABLE gen_top ALTER brands SET STORAGE PLAIN, ALTER adjectives SET STORAGE PLAIN,
               ALTER title_nouns SET STORAGE PLAIN, ALTER trade SET STORAGE PLAIN, ALTER features SET STORAGE PLAIN,
               ALTER materials SET STORAGE PLAIN, ALTER uses SET STORAGE PLAIN, ALTER s_open SET STORAGE PLAIN,
               ALTER s_second SET STORAGE PLAIN, ALTER s_detail SET STORAGE PLAIN, ALTER s_close SET STORAGE PLAIN""",
        "INSERT INTO gen_top SELECT * FROM jsonb_populate_recordset(NULL::gen_top, %s::jsonb)",
    ),
    (
        "schemes",
        """CREATE TEMP TABLE gen_scheme (
               scheme text PRIMARY KEY, pkey text, options text[], mults double precision[], skey text,
               soptions text[]) ON COMMIT DROP""",
        """ALTER TABLE gen_scheme ALTER options SET STORAGE PLAIN, ALTER mults SET STORAGE PLAIN,
               ALTER soptions SET STORAGE PLAIN""",
        "INSERT INTO gen_scheme SELECT * FROM jsonb_populate_recordset(NULL::gen_scheme, %s::jsonb)",
    ),
    (
        "first_names",
        "CREATE TEMP TABLE gen_first (names text[], emails text[]) ON COMMIT DROP",
        "ALTER TABLE gen_first ALTER names SET STORAGE PLAIN, ALTER emails SET STORAGE PLAIN",
        "INSERT INTO gen_first SELECT * FROM jsonb_populate_record(NULL::gen_first, %s::jsonb)",
    ),
    (
        "last_names",
        "CREATE TEMP TABLE gen_last (names text[], emails text[]) ON COMMIT DROP",
        "ALTER TABLE gen_last ALTER names SET STORAGE PLAIN, ALTER emails SET STORAGE PLAIN",
        "INSERT INTO gen_last SELECT * FROM jsonb_populate_record(NULL::gen_last, %s::jsonb)",
    ),
    (
        "people",
        """CREATE TEMP TABLE gen_people (
               seller_prefixes text[], seller_suffixes text[], seller_cities text[], seller_pitches text[],
               email_domains text[], en_street_types text[]) ON COMMIT DROP""",
        """ALTER TABLE gen_people ALTER seller_prefixes SET STORAGE PLAIN, ALTER seller_suffixes SET STORAGE PLAIN,
               ALTER seller_cities SET STORAGE PLAIN, ALTER seller_pitches SET STORAGE PLAIN,
               ALTER email_domains SET STORAGE PLAIN, ALTER en_street_types SET STORAGE PLAIN""",
        "INSERT INTO gen_people SELECT * FROM jsonb_populate_record(NULL::gen_people, %s::jsonb)",
    ),
    (
        "countries",
        """CREATE TEMP TABLE gen_country (
               country_no int PRIMARY KEY, code text, postal text, phone text, unit text, streets text[],
               street_style text, n_cities int) ON COMMIT DROP""",
        "ALTER TABLE gen_country ALTER streets SET STORAGE PLAIN",
        "INSERT INTO gen_country SELECT * FROM jsonb_populate_recordset(NULL::gen_country, %s::jsonb)",
    ),
    (
        "cities",
        """CREATE TEMP TABLE gen_city (
               country_no int, city_no int, city text, region text, postal text, area text,
               PRIMARY KEY (country_no, city_no)) ON COMMIT DROP""",
        None,
        "INSERT INTO gen_city SELECT * FROM jsonb_populate_recordset(NULL::gen_city, %s::jsonb)",
    ),
    (
        "reviews",
        """CREATE TEMP TABLE gen_review_text (
               rating int PRIMARY KEY, titles text[], s_a text[], s_b text[], s_c text[]) ON COMMIT DROP""",
        """ALTER TABLE gen_review_text ALTER titles SET STORAGE PLAIN, ALTER s_a SET STORAGE PLAIN,
               ALTER s_b SET STORAGE PLAIN, ALTER s_c SET STORAGE PLAIN""",
        "INSERT INTO gen_review_text SELECT * FROM jsonb_populate_recordset(NULL::gen_review_text, %s::jsonb)",
    ),
    (
        "categories",
        """CREATE TEMP TABLE gen_category (
               ord int PRIMARY KEY, parent_ord int, depth int, name text, slug text, position int,
               description text) ON COMMIT DROP""",
        None,
        "INSERT INTO gen_category SELECT * FROM jsonb_populate_recordset(NULL::gen_category, %s::jsonb)",
    ),
    (
        "leaves",
        """CREATE TEMP TABLE gen_leaf (
               leaf_no int PRIMARY KEY, cat_ord int, parent_ord int, top_no int, sib_no int, sib_count int,
               noun text, qualifier text, price_low double precision, price_high double precision,
               scheme text) ON COMMIT DROP""",
        None,
        "INSERT INTO gen_leaf SELECT * FROM jsonb_populate_recordset(NULL::gen_leaf, %s::jsonb)",
    ),
)
SQL_DROP_STAGING = """
DROP TABLE IF EXISTS pg_temp.gen_top, pg_temp.gen_scheme, pg_temp.gen_first, pg_temp.gen_last, pg_temp.gen_people,
    pg_temp.gen_country, pg_temp.gen_city, pg_temp.gen_review_text, pg_temp.gen_category, pg_temp.gen_leaf,
    pg_temp.gen_product, pg_temp.gen_variant, pg_temp.gen_reviewable, pg_temp.gen_review, pg_temp.gen_search,
    pg_temp.gen_search_names
"""

# Level by level, so that each row's parent (and its path) is already there.
SQL_CATEGORIES = """
INSERT INTO catalog_category (id, parent_id, name, slug, description, position, path, depth)
SELECT %(base)s::bigint + c.ord, %(base)s::bigint + c.parent_ord, c.name, c.slug, c.description, c.position,
       coalesce(p.path, '/') || (%(base)s::bigint + c.ord) || '/', c.depth
  FROM gen_category c
  LEFT JOIN catalog_category p ON p.id = %(base)s::bigint + c.parent_ord
 WHERE c.depth = %(depth)s
 ORDER BY c.ord
"""

# Seller n sells in top-level category 1 + (n - 1) mod tops. Its name is prefix + trade word
# + suffix, the digits of (k * 7919 + offset) mod combinations: a permutation of k (7919 is
# prime and does not divide 40 x 5 x 8), so names, and slugs, are unique.
SQL_SELLERS = """
INSERT INTO accounts_seller (id, company_name, slug, contact_name, contact_email, contact_phone, description,
                             commission_rate, payout_account_token, is_active, created_at)
SELECT %(base)s::bigint + s.n, s.company, pg_temp.slugify(s.company), s.contact,
       s.contact_local || '@' || pg_temp.slugify(s.company) || '.example.net',
       '+1 ' || (201 + floor(pg_temp.rnd(%(seed)s, 'seller_area', s.n) * 700))::int
             || ' 555 01' || lpad(floor(pg_temp.rnd(%(seed)s, 'seller_phone', s.n) * 100)::int::text, 2, '0'),
       s.company || ' is an independent ' || lower(s.top_name) || ' seller based in ' || s.city
             || ', trading since ' || extract(year FROM s.created_at)::int || '. ' || s.pitch,
       (ARRAY[0.0800, 0.1000, 0.1000, 0.1200, 0.1500])[1 + floor(pg_temp.rnd(%(seed)s, 'commission', s.n) * 5)::int],
       -- letters only: a token must never look like a card number (CHECK ..._no_card_numbers)
       'tok_payout_' || translate(substr(md5(%(seed)s::text || ':payout:' || s.n), 1, 24), '0123456789', 'ghijklmnop'),
       -- a few sellers are inactive (their products are hidden); the last one always is
       s.n < %(n)s AND pg_temp.rnd(%(seed)s, 'seller_inactive', s.n) >= 0.03,
       s.created_at
  FROM (
      SELECT g.n, t.name AS top_name,
             v.seller_prefixes[1 + mod(k.combo / cardinality(v.seller_suffixes), cardinality(v.seller_prefixes))::int]
               || ' ' || t.trade[1 + (k.combo / (cardinality(v.seller_suffixes) * cardinality(v.seller_prefixes)))::int]
               || v.seller_suffixes[1 + mod(k.combo, cardinality(v.seller_suffixes))::int] AS company,
             fn.names[k.fi] || ' ' || ln.names[k.li] AS contact,
             fn.emails[k.fi] AS contact_local,
             v.seller_cities[k.ci] AS city,
             v.seller_pitches[k.pi] AS pitch,
             %(end)s::timestamptz - interval '1825 days'
               + interval '730 days' * pg_temp.rnd(%(seed)s, 'seller_created', g.n) AS created_at
        FROM generate_series(1, %(n)s) AS g(n)
        JOIN gen_top t ON t.top_no = 1 + mod(g.n - 1, %(tops)s)
       CROSS JOIN gen_people v
       CROSS JOIN gen_first fn
       CROSS JOIN gen_last ln
       CROSS JOIN LATERAL (
           SELECT mod(((g.n - 1) / %(tops)s)::bigint * 7919
                      + floor(pg_temp.rnd(%(seed)s, 'seller_name', t.top_no) * 1000000)::bigint,
                      cardinality(v.seller_prefixes) * cardinality(t.trade) * cardinality(v.seller_suffixes)) AS combo,
                  1 + floor(pg_temp.rnd(%(seed)s, 'seller_first', g.n) * cardinality(fn.names))::int AS fi,
                  1 + floor(pg_temp.rnd(%(seed)s, 'seller_last', g.n) * cardinality(ln.names))::int AS li,
                  1 + floor(pg_temp.rnd(%(seed)s, 'seller_city', g.n) * cardinality(v.seller_cities))::int AS ci,
                  1 + floor(pg_temp.rnd(%(seed)s, 'seller_pitch', g.n) * cardinality(v.seller_pitches))::int AS pi
           OFFSET 0
       ) k
  ) s
"""

# Each seller's owner logs in with the seller's contact address (users after the customers).
SQL_SELLER_USERS = """
INSERT INTO accounts_user (id, password, last_login, is_superuser, email, full_name, is_staff, is_active, date_joined)
SELECT %(user_base)s::bigint + (s.id - %(base)s), %(password)s, NULL, false, s.contact_email, s.contact_name,
       false, true, s.created_at
  FROM accounts_seller s
 WHERE s.id > %(base)s AND s.id <= %(base)s + %(n)s
"""
SQL_SELLER_MEMBERS = """
INSERT INTO accounts_seller_member (seller_id, user_id, role, created_at)
SELECT s.id, %(user_base)s::bigint + (s.id - %(base)s), 'owner', s.created_at
  FROM accounts_seller s
 WHERE s.id > %(base)s AND s.id <= %(base)s + %(n)s
"""

# Emails end in the customer number, so they are unique whatever the names.
SQL_CUSTOMERS = """
INSERT INTO accounts_user (id, password, last_login, is_superuser, email, full_name, is_staff, is_active, date_joined)
SELECT %(base)s::bigint + g.i, %(password)s,
       CASE WHEN pg_temp.rnd(%(seed)s, 'has_logged_in', g.i) < 0.8
            THEN k.joined + (%(end)s::timestamptz - k.joined) * pg_temp.rnd(%(seed)s, 'last_login', g.i) END,
       false,
       CASE k.style
           WHEN 0 THEN fn.emails[k.fi] || '.' || ln.emails[k.li]
           WHEN 1 THEN fn.emails[k.fi] || '_' || ln.emails[k.li]
           ELSE ln.emails[k.li] || '.' || fn.emails[k.fi]
       END || g.i || '@' || v.email_domains[k.di],
       fn.names[k.fi] || ' ' || ln.names[k.li],
       false,
       pg_temp.rnd(%(seed)s, 'deactivated', g.i) >= 0.01,
       k.joined
  FROM generate_series(1, %(n)s) AS g(i)
 CROSS JOIN gen_people v
 CROSS JOIN gen_first fn
 CROSS JOIN gen_last ln
 CROSS JOIN LATERAL (
     SELECT 1 + floor(pg_temp.rnd(%(seed)s, 'first_name', g.i) * cardinality(fn.names))::int AS fi,
            1 + floor(pg_temp.rnd(%(seed)s, 'last_name', g.i) * cardinality(ln.names))::int AS li,
            1 + floor(pg_temp.rnd(%(seed)s, 'email_domain', g.i) * cardinality(v.email_domains))::int AS di,
            floor(pg_temp.rnd(%(seed)s, 'email_style', g.i) * 3)::int AS style,
            pg_temp.joined_at(%(seed)s, g.i, %(n)s, %(end)s) AS joined
     OFFSET 0
 ) k
"""

# 1 or 2 addresses per customer (the first is the default), in the customer's country.
# Phone numbers come from ranges reserved for fiction (555-01xx, 07700 900xxx, ...).
SQL_ADDRESSES = """
INSERT INTO accounts_address (user_id, label, full_name, line1, line2, city, region, postal_code, country, phone,
                              is_default, created_at, updated_at)
SELECT %(base)s::bigint + a.i,
       CASE WHEN a.k = 1 THEN 'Home'
            ELSE (ARRAY['Work', 'Office', 'Parents', 'Holiday home'])[1 + floor(a.r_label * 4)::int] END,
       fn.names[a.fi] || ' ' || ln.names[a.li],
       CASE c.street_style
           WHEN 'en' THEN (1 + floor(a.r_number * 2999))::int || ' '
                          || c.streets[1 + floor(a.r_street * cardinality(c.streets))::int] || ' '
                          || v.en_street_types[1 + floor(a.r_type * cardinality(v.en_street_types))::int]
           WHEN 'fr' THEN (1 + floor(a.r_number * 150))::int || ' '
                          || c.streets[1 + floor(a.r_street * cardinality(c.streets))::int]
           ELSE c.streets[1 + floor(a.r_street * cardinality(c.streets))::int] || ' '
                || (1 + floor(a.r_number * 180))::int
       END,
       CASE WHEN a.r_unit < 0.2 AND c.unit <> '' THEN c.unit || ' ' || (1 + floor(a.r_unit * 250))::int ELSE '' END,
       ct.city, ct.region,
       CASE c.postal
           WHEN 'us' THEN ct.postal || lpad(floor(a.r1 * 100)::int::text, 2, '0')
           WHEN 'ca' THEN ct.postal || ' ' || floor(a.r1 * 10)::int
                          || substr('ABCEGHJKLMNPRSTVWXYZ', 1 + floor(a.r2 * 20)::int, 1) || floor(a.r3 * 10)::int
           WHEN 'gb' THEN ct.postal || ' ' || floor(a.r1 * 10)::int
                          || substr('ABDEFGHJLNPQRSTUWXYZ', 1 + floor(a.r2 * 20)::int, 1)
                          || substr('ABDEFGHJLNPQRSTUWXYZ', 1 + floor(a.r3 * 20)::int, 1)
           WHEN 'de' THEN ct.postal || lpad(floor(a.r1 * 1000)::int::text, 3, '0')
           WHEN 'fr' THEN ct.postal || lpad((1 + floor(a.r1 * 20))::int::text, 2, '0')
           WHEN 'au' THEN lpad((ct.postal::int + floor(a.r1 * 10)::int)::text, 4, '0')
           ELSE ct.postal || lpad(floor(a.r1 * 100)::int::text, 2, '0') || ' '
                || substr('ABCDEFGHJKLMNPRSTVWXZ', 1 + floor(a.r2 * 21)::int, 1)
                || substr('ABCDEFGHJKLMNPRSTVWXZ', 1 + floor(a.r3 * 21)::int, 1)
       END,
       c.code,
       CASE WHEN a.r_phone >= 0.6 THEN ''
            WHEN c.phone = 'nanp' THEN '+1 ' || ct.area || ' 555 01' || lpad(floor(a.r_digits * 100)::int::text, 2, '0')
            WHEN c.phone = 'gb' THEN '+44 7700 900' || lpad(floor(a.r_digits * 1000)::int::text, 3, '0')
            WHEN c.phone = 'de' THEN '+49 ' || ct.area || ' 555 ' || lpad(floor(a.r_digits * 10000)::int::text, 4, '0')
            WHEN c.phone = 'fr' THEN '+33 1 99 00 ' || lpad(floor(a.r_digits * 100)::int::text, 2, '0') || ' '
                                     || lpad(mod(floor(a.r_digits * 10000)::int, 100)::text, 2, '0')
            WHEN c.phone = 'au' THEN '+61 ' || ct.area || ' 5550 ' || lpad(floor(a.r_digits * 10000)::int::text, 4, '0')
            ELSE '+31 ' || ct.area || ' ' || lpad(floor(a.r_digits * 10000000)::int::text, 7, '0')
       END,
       a.k = 1,
       a.created_at, a.created_at
  FROM (
      SELECT g.i, n.k, x.*
        FROM generate_series(1, %(n)s) AS g(i)
       CROSS JOIN LATERAL generate_series(1, 1 + (pg_temp.rnd(%(seed)s, 'second_address', g.i) < 0.4)::int) AS n(k)
       CROSS JOIN LATERAL (
           SELECT 1 + floor(pg_temp.rnd(%(seed)s, 'first_name', g.i) * %(first_names)s)::int AS fi,
                  1 + floor(pg_temp.rnd(%(seed)s, 'last_name', g.i) * %(last_names)s)::int AS li,
                  1 + width_bucket(pg_temp.rnd(%(seed)s, 'country', g.i), %(country_bounds)s::double precision[])
                      AS country_no,
                  pg_temp.rnd(%(seed)s, 'city', g.i * 2 + n.k) AS r_city,
                  pg_temp.rnd(%(seed)s, 'address_label', g.i) AS r_label,
                  pg_temp.rnd(%(seed)s, 'house_number', g.i * 2 + n.k) AS r_number,
                  pg_temp.rnd(%(seed)s, 'street', g.i * 2 + n.k) AS r_street,
                  pg_temp.rnd(%(seed)s, 'street_type', g.i * 2 + n.k) AS r_type,
                  pg_temp.rnd(%(seed)s, 'unit', g.i * 2 + n.k) AS r_unit,
                  pg_temp.rnd(%(seed)s, 'postal_1', g.i * 2 + n.k) AS r1,
                  pg_temp.rnd(%(seed)s, 'postal_2', g.i * 2 + n.k) AS r2,
                  pg_temp.rnd(%(seed)s, 'postal_3', g.i * 2 + n.k) AS r3,
                  pg_temp.rnd(%(seed)s, 'phone', g.i * 2 + n.k) AS r_phone,
                  pg_temp.rnd(%(seed)s, 'phone_number', g.i * 2 + n.k) AS r_digits,
                  CASE WHEN n.k = 1 THEN j.joined
                       ELSE j.joined + (%(end)s::timestamptz - j.joined) * pg_temp.rnd(%(seed)s, 'moved', g.i) END
                      AS created_at
             FROM (SELECT pg_temp.joined_at(%(seed)s, g.i, %(n)s, %(end)s) AS joined) j
           OFFSET 0
       ) x
  ) a
 CROSS JOIN gen_people v
 CROSS JOIN gen_first fn
 CROSS JOIN gen_last ln
  JOIN gen_country c ON c.country_no = a.country_no
  JOIN gen_city ct ON ct.country_no = a.country_no AND ct.city_no = 1 + floor(a.r_city * c.n_cities)::int
"""

# Products, staged with everything their variants, reviews and derived values need.
# Names: brand + adjective + [qualifier] + noun [+ model], or for books a title.
SQL_STAGE_PRODUCTS = """
CREATE TEMP TABLE gen_product ON COMMIT DROP AS
SELECT y.i, y.id, y.top_no, y.top_slug, y.category_id, y.second_category_id, y.seller_id, y.brand, y.name,
       pg_temp.slugify(y.name) || '-' || y.i AS slug,
       replace(replace(replace(replace(replace(replace(replace(replace(
           concat_ws(' ', y.s_open, y.s_second,
                     CASE WHEN y.sentences >= 3 THEN y.s_detail END,
                     CASE WHEN y.sentences = 4 THEN y.s_close END),
           '{name}', y.name), '{brand}', y.brand), '{noun}', y.noun_lower), '{feature}', y.feature),
           '{feature2}', y.feature2), '{material}', y.material), '{use}', y.use), '{n}', y.years::text)
           AS description,
       y.status, y.cost, y.base_price, y.scheme, y.n_variants, y.created_at, y.poor, y.noun_lower,
       upper(left(regexp_replace(y.brand, '[^A-Za-z]', '', 'g'), 3)) AS sku_prefix
  FROM (
      SELECT x.*,
             CASE WHEN x.style = 'book'
                  THEN 'The ' || x.adjective || ' ' || x.title_noun || ': '
                       || CASE WHEN left(x.full_noun, 1) IN ('A', 'E', 'I', 'O', 'U') THEN 'An ' ELSE 'A ' END
                       || x.full_noun
                  ELSE x.brand || ' ' || x.adjective || ' ' || x.full_noun
                       || CASE WHEN x.model = 'code'
                               THEN ' ' || substr('AEKMQRSVXZ', 1 + floor(x.r_model * 10)::int, 1)
                                    || (10 * (1 + floor(x.r_model_no * 99)))::int
                               ELSE '' END
             END AS name,
             lower(x.full_noun) AS noun_lower,
             (CASE WHEN x.raw_price < 200 THEN ceil(x.raw_price)::numeric - 0.01
                   ELSE ceil(x.raw_price / 10)::numeric * 10 - 0.01 END)::numeric(12, 2) AS base_price,
             round(((CASE WHEN x.raw_price < 200 THEN ceil(x.raw_price)::numeric - 0.01
                          ELSE ceil(x.raw_price / 10)::numeric * 10 - 0.01 END)
                    * (0.45 + 0.25 * x.r_cost)::numeric), 2) AS cost
        FROM (
            SELECT g.i, %(base)s::bigint + g.i AS id, l.top_no, t.slug AS top_slug, t.style, t.model, l.scheme,
                   %(category_base)s::bigint + l.cat_ord AS category_id,
                   coalesce(%(category_base)s::bigint + l2.cat_ord,
                            CASE WHEN NOT %(qualified)s AND pg_temp.rnd(%(seed)s, 'second_category', g.i) < 0.15
                                 THEN %(category_base)s::bigint + l.parent_ord END) AS second_category_id,
                   %(seller_base)s::bigint + l.top_no + %(tops)s::bigint
                       * floor(pg_temp.rnd(%(seed)s, 'seller', g.i) * ((%(sellers)s - l.top_no) / %(tops)s + 1))::bigint
                       AS seller_id,
                   t.brands[1 + floor(pg_temp.rnd(%(seed)s, 'brand', g.i) * cardinality(t.brands))::int] AS brand,
                   t.adjectives[1 + floor(pg_temp.rnd(%(seed)s, 'adjective', g.i) * cardinality(t.adjectives))::int]
                       AS adjective,
                   t.title_nouns[1 + floor(pg_temp.rnd(%(seed)s, 'title', g.i) * cardinality(t.title_nouns))::int]
                       AS title_noun,
                   coalesce(l.qualifier || ' ', '') || l.noun AS full_noun,
                   pg_temp.rnd(%(seed)s, 'model', g.i) AS r_model,
                   pg_temp.rnd(%(seed)s, 'model_no', g.i) AS r_model_no,
                   -- log-uniform-ish: the mean of two uniforms, in log space
                   exp(ln(l.price_low) + (pg_temp.rnd(%(seed)s, 'price_1', g.i) + pg_temp.rnd(%(seed)s, 'price_2', g.i))
                       / 2 * (ln(l.price_high) - ln(l.price_low))) AS raw_price,
                   pg_temp.rnd(%(seed)s, 'cost', g.i) AS r_cost,
                   t.s_open[1 + floor(pg_temp.rnd(%(seed)s, 's_open', g.i) * cardinality(t.s_open))::int] AS s_open,
                   t.s_second[1 + floor(pg_temp.rnd(%(seed)s, 's_second', g.i) * cardinality(t.s_second))::int]
                       AS s_second,
                   t.s_detail[1 + floor(pg_temp.rnd(%(seed)s, 's_detail', g.i) * cardinality(t.s_detail))::int]
                       AS s_detail,
                   t.s_close[1 + floor(pg_temp.rnd(%(seed)s, 's_close', g.i) * cardinality(t.s_close))::int] AS s_close,
                   2 + floor(pg_temp.rnd(%(seed)s, 'sentences', g.i) * 3)::int AS sentences,
                   t.features[f.f1] AS feature,
                   t.features[1 + mod(f.f1 + floor(pg_temp.rnd(%(seed)s, 'feature_2', g.i)
                                                    * (cardinality(t.features) - 1))::int, cardinality(t.features))]
                       AS feature2,
                   t.materials[1 + floor(pg_temp.rnd(%(seed)s, 'material', g.i) * cardinality(t.materials))::int]
                       AS material,
                   t.uses[1 + floor(pg_temp.rnd(%(seed)s, 'use', g.i) * cardinality(t.uses))::int] AS use,
                   2 + floor(pg_temp.rnd(%(seed)s, 'years', g.i) * 4)::int AS years,
                   CASE WHEN pg_temp.rnd(%(seed)s, 'status', g.i) < 0.03 THEN 'draft'
                        WHEN pg_temp.rnd(%(seed)s, 'status', g.i) < 0.06 THEN 'archived'
                        ELSE 'active' END AS status,
                   1 + floor(pg_temp.rnd(%(seed)s, 'variants', g.i) * 4)::int AS n_variants,
                   %(end)s::timestamptz
                       - interval '1095 days' * (1 - (g.i - 1 + pg_temp.rnd(%(seed)s, 'created', g.i)) / %(n)s)
                       AS created_at,
                   pg_temp.rnd(%(seed)s, 'quality', g.i) < %(poor_share)s AS poor
              FROM generate_series(1, %(n)s) AS g(i)
              JOIN gen_leaf l ON l.leaf_no = 1 + floor(pg_temp.rnd(%(seed)s, 'leaf', g.i) * %(leaves)s)::int
              JOIN gen_top t ON t.top_no = l.top_no
              -- about 15 percent are in a second category: with 4 levels a sibling of the same
              -- kind ("Wireless Headphones" and "Premium Headphones"), else the parent ("Audio")
              LEFT JOIN gen_leaf l2
                     ON %(qualified)s AND pg_temp.rnd(%(seed)s, 'second_category', g.i) < 0.15
                    AND l2.parent_ord = l.parent_ord
                    AND l2.sib_no = 1 + mod(l.sib_no + floor(pg_temp.rnd(%(seed)s, 'sibling', g.i)
                                                             * (l.sib_count - 1))::int, l.sib_count)
             CROSS JOIN LATERAL (
                 SELECT 1 + floor(pg_temp.rnd(%(seed)s, 'feature_1', g.i) * cardinality(t.features))::int AS f1
             ) f
            OFFSET 0
        ) x
      OFFSET 0
  ) y
"""

# 1-4 variants: a run of consecutive options (sizes, capacities...) priced from the base.
SQL_STAGE_VARIANTS = """
CREATE TEMP TABLE gen_variant ON COMMIT DROP AS
SELECT %(variant_base)s::bigint + row_number() OVER (ORDER BY p.id, v.k) AS id, p.id AS product_id, v.k AS position,
       p.sku_prefix || '-' || lpad(p.i::text, 7, '0') || '-' || (v.k + 1) AS sku,
       CASE WHEN x.second IS NULL THEN s.options[x.start + v.k]
            ELSE x.second || ' / ' || s.options[x.start + v.k] END AS name,
       jsonb_build_object(s.pkey, s.options[x.start + v.k])
           || CASE WHEN x.second IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(s.skey, x.second) END AS attributes,
       (CASE WHEN y.raw < 200 THEN ceil(y.raw)::numeric - 0.01
             ELSE ceil(y.raw / 10)::numeric * 10 - 0.01 END)::numeric(12, 2) AS price,
       CASE WHEN pg_temp.rnd(%(seed)s, 'out_of_stock', p.i * 8 + v.k) < 0.08 THEN 0
            ELSE 1 + floor(pg_temp.rnd(%(seed)s, 'stock', p.i * 8 + v.k) * 200)::int END AS stock,
       (ARRAY[3, 5, 5, 10])[1 + floor(pg_temp.rnd(%(seed)s, 'low_stock', p.i * 8 + v.k) * 4)::int]
           AS low_stock_threshold,
       -- the first variant is always on sale; 3 percent of the others are not
       v.k = 0 OR pg_temp.rnd(%(seed)s, 'variant_inactive', p.i * 8 + v.k) >= 0.03 AS is_active,
       p.created_at AS updated_at
  FROM gen_product p
  JOIN gen_scheme s ON s.scheme = p.scheme
 CROSS JOIN LATERAL (
     SELECT 1 + floor(pg_temp.rnd(%(seed)s, 'variant_start', p.i)
                      * (cardinality(s.options) - p.n_variants + 1))::int AS start,
            CASE WHEN s.skey IS NOT NULL
                 THEN s.soptions[1 + floor(pg_temp.rnd(%(seed)s, 'variant_second', p.i)
                                           * cardinality(s.soptions))::int] END AS second
     OFFSET 0
 ) x
 CROSS JOIN LATERAL generate_series(0, p.n_variants - 1) AS v(k)
 CROSS JOIN LATERAL (SELECT p.base_price::double precision * s.mults[x.start + v.k] / s.mults[x.start] AS raw) y
"""

# Popularity: a random permutation of the products that can be reviewed (not drafts).
SQL_STAGE_REVIEWABLE = """
CREATE TEMP TABLE gen_reviewable ON COMMIT DROP AS
SELECT (row_number() OVER (ORDER BY pg_temp.rnd(%(seed)s, 'popularity', i), i) - 1)::bigint AS r,
       id, i, created_at, poor, brand, noun_lower
  FROM gen_product
 WHERE status <> 'draft'
"""

# Review j goes to the product of popularity rank floor(R * u ** zipf): a power law. The
# k-th review of a product is by customer 1 + (k * PRIME + offset) mod customers, a
# permutation of k, so nobody reviews a product twice. A review is dated after both the
# product and the customer existed; pending ones are recent (the moderation queue).
SQL_STAGE_REVIEWS = """
CREATE TEMP TABLE gen_review ON COMMIT DROP AS
SELECT c.j, c.product_id, u.user_no, x.rating,
       CASE WHEN x.r_status < 0.85 THEN 'published' WHEN x.r_status < 0.95 THEN 'pending' ELSE 'rejected' END
           AS status,
       t.created_at,
       CASE WHEN x.r_status < 0.85 OR x.r_status >= 0.95
            THEN t.created_at + interval '48 hours' * pg_temp.rnd(%(seed)s, 'moderated', c.j) END AS moderated_at
  FROM (
      SELECT g.j, rv.id AS product_id, rv.i AS product_no, rv.created_at AS product_created, rv.poor,
             row_number() OVER (PARTITION BY rv.id ORDER BY g.j) - 1 AS k
        FROM generate_series(1, %(n)s) AS g(j)
        JOIN gen_reviewable rv
          ON rv.r = floor(%(reviewable)s * power(pg_temp.rnd(%(seed)s, 'review_product', g.j), %(zipf)s))::bigint
  ) c
 CROSS JOIN LATERAL (
     SELECT 1 + mod(c.k * %(prime)s
                    + floor(pg_temp.rnd(%(seed)s, 'review_user', c.product_no) * %(customers)s)::bigint,
                    %(customers)s) AS user_no
     OFFSET 0
 ) u
 CROSS JOIN LATERAL (
     SELECT 1 + width_bucket(pg_temp.rnd(%(seed)s, 'rating', c.j),
                             CASE WHEN c.poor THEN %(poor_bounds)s::double precision[]
                                  ELSE %(good_bounds)s::double precision[] END) AS rating,
            pg_temp.rnd(%(seed)s, 'review_status', c.j) AS r_status,
            greatest(c.product_created, pg_temp.joined_at(%(seed)s, u.user_no, %(customers)s, %(end)s)) AS earliest
     OFFSET 0
 ) x
 CROSS JOIN LATERAL (
     SELECT CASE WHEN x.r_status >= 0.85 AND x.r_status < 0.95
                 THEN greatest(x.earliest, %(end)s::timestamptz - interval '14 days')
                 ELSE x.earliest END AS since
 ) f
 CROSS JOIN LATERAL (
     SELECT f.since + (%(end)s::timestamptz - f.since) * pg_temp.rnd(%(seed)s, 'review_time', c.j) AS created_at
 ) t
 WHERE c.k < %(customers)s
 ORDER BY t.created_at, c.j
"""

# Derived values: in bulk mode computed here from the staged rows with the triggers'
# formulas; with triggers on, left at their defaults for the triggers to fill in.
SQL_PRODUCTS = """
INSERT INTO catalog_product (id, seller_id, name, slug, description, brand, status, currency, cost, created_at,
                             updated_at, price, is_listed, rating_sum, rating_count, stars_1, stars_2, stars_3, stars_4,
                             stars_5, units_sold, search_vector, search_changed_at)
SELECT p.id, p.seller_id, p.name, p.slug, p.description, p.brand, p.status, 'USD', p.cost, p.created_at,
       p.created_at,
       -- catalog_variant_reprice_product: lowest price of the active variants
       CASE WHEN %(bulk)s THEN v.min_price END,
       -- catalog_product_set_listed: an active product of an active seller
       %(bulk)s AND p.status = 'active' AND s.is_active,
       -- catalog_review_update_rating: published reviews only
       CASE WHEN %(bulk)s THEN coalesce(r.rating_sum, 0) ELSE 0 END,
       CASE WHEN %(bulk)s THEN coalesce(r.rating_count, 0) ELSE 0 END,
       CASE WHEN %(bulk)s THEN coalesce(r.stars_1, 0) ELSE 0 END,
       CASE WHEN %(bulk)s THEN coalesce(r.stars_2, 0) ELSE 0 END,
       CASE WHEN %(bulk)s THEN coalesce(r.stars_3, 0) ELSE 0 END,
       CASE WHEN %(bulk)s THEN coalesce(r.stars_4, 0) ELSE 0 END,
       CASE WHEN %(bulk)s THEN coalesce(r.stars_5, 0) ELSE 0 END,
       -- orders_order_count_units_sold: units on paid..delivered lines (staged by orders.datagen)
       CASE WHEN %(bulk)s THEN coalesce(us.n, 0) ELSE 0 END,
       -- catalog_product_search_vector(), staged (SQL_STAGE_SEARCH)
       CASE WHEN %(bulk)s THEN sv.search_vector END,
       -- the text was written when the product was created (catalog 0016's stamp)
       p.created_at
  FROM gen_product p
  JOIN accounts_seller s ON s.id = p.seller_id
  LEFT JOIN gen_sold us ON us.product_id = p.id
  LEFT JOIN (SELECT product_id, min(price) FILTER (WHERE is_active) AS min_price
               FROM gen_variant GROUP BY product_id) v ON v.product_id = p.id
  LEFT JOIN (SELECT product_id, sum(rating)::int AS rating_sum, count(*)::int AS rating_count,
                    count(*) FILTER (WHERE rating = 1)::int AS stars_1,
                    count(*) FILTER (WHERE rating = 2)::int AS stars_2,
                    count(*) FILTER (WHERE rating = 3)::int AS stars_3,
                    count(*) FILTER (WHERE rating = 4)::int AS stars_4,
                    count(*) FILTER (WHERE rating = 5)::int AS stars_5
               FROM gen_review WHERE status = 'published' GROUP BY product_id) r ON r.product_id = p.id
  LEFT JOIN gen_search sv ON sv.id = p.id
"""
# Bulk mode: each product's search vector, as catalog_product_search_vector() computes it
# (name A, brand B, the names of its categories and their ancestors below the top, by id,
# C, description D), in a CREATE TABLE AS that parallel workers run when the staged
# products are shared (orders.datagen.SHARED_STAGING): in the products' INSERT it took one
# core 30-40 s at full scale; staged in parallel, 11.5 s (19 s on one core). The category
# names come first, once per pair of categories a product is in (second 0: none): inside
# the same statement, their DISTINCT took the parallel workers and the vectors got none.
SQL_STAGE_SEARCH_NAMES = """
CREATE TEMP TABLE gen_search_names ON COMMIT DROP AS
SELECT k.category_id, k.second, string_agg(c.name, ' ' ORDER BY c.id) AS names
  FROM (SELECT DISTINCT category_id, coalesce(second_category_id, 0) AS second FROM gen_product) k
 CROSS JOIN LATERAL (
       SELECT DISTINCT x.id::bigint AS id  -- the linked categories, their ancestors below the top
         FROM catalog_category lc
        CROSS JOIN LATERAL unnest(string_to_array(btrim(lc.path, '/'), '/')) WITH ORDINALITY AS x(id, level)
        WHERE lc.id IN (k.category_id, k.second) AND (x.level > 1 OR x.id::bigint = lc.id)
      ) a
  JOIN catalog_category c ON c.id = a.id
 GROUP BY k.category_id, k.second
"""
SQL_STAGE_SEARCH = """
CREATE TEMP TABLE gen_search ON COMMIT DROP AS
SELECT p.id,
       setweight(to_tsvector('english', p.name), 'A')
       || setweight(to_tsvector('english', p.brand), 'B')
       || setweight(to_tsvector('english', coalesce(cn.names, '')), 'C')
       || setweight(to_tsvector('english', p.description), 'D') AS search_vector
  FROM gen_product p
  LEFT JOIN gen_search_names cn ON cn.category_id = p.category_id AND cn.second = coalesce(p.second_category_id, 0)
 WHERE %(bulk)s
"""
SQL_PRODUCT_CATEGORIES = """
INSERT INTO catalog_product_category (product_id, category_id)
SELECT id, category_id FROM gen_product
UNION ALL
SELECT id, second_category_id FROM gen_product WHERE second_category_id IS NOT NULL
"""
SQL_IMAGES = """
INSERT INTO catalog_product_image (product_id, url, alt_text, position)
SELECT id, '/static/img/products/' || top_slug || '.svg', left(name, 200), 0 FROM gen_product
"""
SQL_VARIANTS = """
INSERT INTO catalog_variant (id, product_id, sku, name, attributes, price, stock, low_stock_threshold, is_active,
                             position, updated_at)
SELECT id, product_id, sku, name, attributes, price, stock, low_stock_threshold, is_active, position, updated_at
  FROM gen_variant
"""
SQL_REVIEWS = """
INSERT INTO catalog_review (product_id, user_id, author_name, rating, title, body, status, is_verified_purchase,
                            created_at, updated_at, moderated_at)
SELECT r.product_id, u.id,
       -- catalog_review_set_author: first word of the reviewer's full name
       left(coalesce(nullif(split_part(btrim(u.full_name), ' ', 1), ''), 'A shopper'), 60),
       r.rating,
       tx.titles[1 + floor(pg_temp.rnd(%(seed)s, 'review_title', r.j) * cardinality(tx.titles))::int],
       replace(replace(concat_ws(' ',
           tx.s_a[1 + floor(pg_temp.rnd(%(seed)s, 'review_a', r.j) * cardinality(tx.s_a))::int],
           CASE WHEN b.n >= 2
                THEN tx.s_b[1 + floor(pg_temp.rnd(%(seed)s, 'review_b', r.j) * cardinality(tx.s_b))::int] END,
           CASE WHEN b.n = 3
                THEN tx.s_c[1 + floor(pg_temp.rnd(%(seed)s, 'review_c', r.j) * cardinality(tx.s_c))::int] END),
           '{noun}', p.noun_lower), '{brand}', p.brand),
       r.status,
       -- catalog_review_has_delivered_purchase: a delivered line of the product (staged by
       -- orders.datagen); with triggers on, set after the orders are in
       %(bulk)s AND vp.j IS NOT NULL,
       r.created_at, r.created_at, r.moderated_at
  FROM gen_review r
  JOIN accounts_user u ON u.id = %(user_base)s::bigint + r.user_no
  JOIN gen_review_text tx ON tx.rating = r.rating
  JOIN gen_reviewable p ON p.id = r.product_id
  LEFT JOIN gen_verified vp ON vp.j = r.j
 CROSS JOIN LATERAL (SELECT 1 + floor(pg_temp.rnd(%(seed)s, 'review_length', r.j) * 3)::int AS n) b
"""

# Tables loaded; in bulk mode their user triggers (derived values, audit, deferred
# constraint triggers) are disabled for the load.
LOADED_TABLES = (
    "catalog_category",
    "accounts_seller",
    "accounts_user",
    "accounts_seller_member",
    "accounts_address",
    "catalog_product",
    "catalog_product_category",
    "catalog_product_image",
    "catalog_variant",
    "catalog_review",
)
# Bulk mode: the foreign keys, primary keys and unique constraints (unless a foreign key
# refers to one) and secondary indexes of the big ones are dropped for the load and
# re-created after it (_load_mode); the small ones (at most 5,000 rows) keep theirs,
# checked row by row.
CATALOG_REBUILT_TABLES = tuple(
    t for t in LOADED_TABLES if t not in {"catalog_category", "accounts_seller", "accounts_seller_member"}
)
# Their ids are reserved up front: (table, count attribute)
ANALYZED_TABLES = LOADED_TABLES + tuple(t for t in ORDER_TABLES if t not in LOADED_TABLES)
RESERVED_ID_TABLES = (
    "catalog_category",
    "accounts_seller",
    "accounts_user",
    "catalog_product",
    "catalog_variant",
    "promotions_promotion",
    "orders_order",
    "orders_order_item",
    "orders_order_status_history",
    "orders_payment_transaction",
)


# --- Running it -----------------------------------------------------------------------------


class _Log:
    def __init__(self, out: Writer | None) -> None:
        self.out = out

    def line(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text + "\n")
            flush = getattr(self.out, "flush", None)
            if callable(flush):
                flush()

    def step(self, label: str, rows: int | None, seconds: float) -> None:
        if rows is None:
            self.line(f"  {label:<34} {'':>12}  {seconds:8.1f} s")
        else:
            rate = f"{rows / seconds:12,.0f} rows/s" if seconds > 0 else ""
            self.line(f"  {label:<34} {rows:>12,}  {seconds:8.1f} s {rate}")


# A staging table created as `CREATE TEMP TABLE gen_x ON COMMIT DROP AS ...`.
_STAGED_AS = re.compile(r"^\s*CREATE TEMP TABLE (gen_\w+) ON COMMIT DROP AS\b")


class _Runner:
    """Runs the load's statements on one cursor, timing each step.

    `shared` names staging tables (gen_...) that other connections must read after the
    transaction commits (orders.datagen's parallel inserts): their CREATE TEMP TABLE ...
    ON COMMIT DROP AS becomes CREATE UNLOGGED TABLE in the STAGING_SCHEMA, where the
    statements that read them find them by name (that schema is on their search_path),
    without autovacuum: once committed, autovacuum vacuumed and analyzed the staged orders
    and lines (10 M and 25 M rows) beside the order inserts that read them, two workers for
    minutes on the two cores the inserts need, for tables dropped after them.
    """

    def __init__(self, cursor: Any, log: _Log, params: dict[str, Any], *, shared: frozenset[str] = frozenset()) -> None:
        self.cursor = cursor
        self.log = log
        self.params = params
        self.shared = shared

    def run(self, sql: str, extra: dict[str, Any] | None = None) -> int:
        match = _STAGED_AS.match(sql)
        if match and match.group(1) in self.shared:
            sql = (
                sql[: match.start(0)]
                + f"CREATE UNLOGGED TABLE {STAGING_SCHEMA}.{match.group(1)} WITH (autovacuum_enabled = false) AS"
                + sql[match.end(0) :]
            )
        self.cursor.execute(sql, {**self.params, **(extra or {})})
        return max(self.cursor.rowcount, 0)

    def step(self, label: str, sql: str, extra: dict[str, Any] | None = None) -> int:
        started = time.monotonic()
        rows = self.run(sql, extra)
        self.log.step(label, rows, time.monotonic() - started)
        return rows

    def scalar(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> Any:
        self.cursor.execute(sql, params)
        return self.cursor.fetchone()[0]


def generate(
    *, scale: str, seed: int = 42, out: Writer | None = None, bulk: bool | None = None, jobs: int = 2
) -> dict[str, int]:
    """Load the data set of `scale` into an empty catalog; return the row counts per table.

    `bulk` overrides the scale's default load mode (True: triggers disabled and derived
    values computed set-based; False: every trigger runs). Raises DataGenError, with
    nothing written, when the arguments are bad or the catalog already has rows.

    One transaction, except for a bulk load with orders called outside a transaction
    with `jobs` > 1 (the command): its first transaction commits the catalog and the
    staged orders, the order tables are then inserted over `jobs` connections
    (orders.datagen.insert_orders_in_parallel) and the steps after them (_after_inserts:
    the category listing, its search index and the search lists, their facet counts, a
    VACUUM per table, the key checks, the analytics views) run on `jobs` connections, each
    once the steps it needs are done. A failure of the order inserts leaves the catalog and
    customers in the database (the order tables emptied, their schema restored) and raises
    DataGenError saying so: generate into a fresh database again. A failure of a step after
    them lets the others finish (but those that need it) and raises DataGenError naming
    each failed step.
    """
    if scale not in SCALES:
        raise DataGenError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise DataGenError(f"the seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS:
        raise DataGenError(f"jobs must be an integer from 1 to {MAX_JOBS}, got {jobs!r}")
    spec = SCALES[scale]
    use_bulk = spec.bulk if bulk is None else bulk
    parallel = use_bulk and jobs > 1 and spec.orders > 0 and not connection.in_atomic_block
    tree = build_tree(spec)
    vocabulary = _vocabulary(spec)
    _check_vocabulary(spec)
    log = _Log(out)
    log.line(
        f"Generating the {scale} data set (seed {seed}, "
        f"{'bulk load: triggers disabled, derived values computed' if use_bulk else 'row triggers on'}"
        f"{f', order tables over {jobs} connections' if parallel else ''})"
    )
    started = time.monotonic()
    # One hash for every generated login, so benchmarks can log in as anyone.
    password = make_password(DEMO_PASSWORD)
    counts: dict[str, int] = {}
    rebuild = None
    category_keys: dict[str, _Rebuild] = {}

    with transaction.atomic(), connection.cursor() as cursor:
        runner = _Runner(cursor, log, {"seed": seed, "end": DATA_END})
        if runner.scalar("SELECT EXISTS (SELECT 1 FROM catalog_product) OR EXISTS (SELECT 1 FROM catalog_category)"):
            raise DataGenError(
                "the catalog already has data (catalog_product or catalog_category is not empty): "
                "generate into a fresh database (createdb, then manage.py migrate)"
            )
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Cheap expressions over many rows: JIT compilation costs more than it saves
        # (measured: medium scale 18.6 s with, 16.8 s without; tiny statements 0.4 s each).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        if use_bulk:
            t0 = time.monotonic()
            truncated = _truncate_empty_tables(cursor)
            log.step(
                f"{truncated} empty tables truncated (new files: no WAL at wal_level=minimal)",
                None,
                time.monotonic() - t0,
            )
        if parallel:
            # The streams truncate their tables again in their own transactions: only
            # when no row can be there (new, empty files).
            parallel = not runner.scalar(
                "SELECT bool_or(pg_relation_size(t::regclass) > 0) FROM unnest(%s::text[]) AS t",
                [[table for tables in STREAMS for table in tables]],
            )
        if parallel:
            cursor.execute(f"DROP SCHEMA IF EXISTS {STAGING_SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {STAGING_SCHEMA}")
            use_staging_schema(cursor)
            runner.shared = SHARED_STAGING

        t0 = time.monotonic()
        _create_vocabulary(cursor, vocabulary, tree)
        log.step("word lists and category tree (temp)", None, time.monotonic() - t0)

        with _load_mode(cursor, log, bulk=use_bulk):
            staged = _stage_catalog(runner, spec, tree, vocabulary, counts, password, bulk=use_bulk)
            # The orders are staged before the catalog is inserted, so that the values
            # they drive (units sold, verified purchases) go into the rows' one insert.
            orders = stage_orders(
                runner, spec, user_base=staged["user_base"], variant_base=staged["variant_base"], counts=counts
            )
            _insert_catalog(runner, counts, staged, use_bulk)
        if parallel:
            rebuild = drop_order_keys(runner)
            # And the category tables' keys and indexes, for their rebuild after the order
            # inserts: dropped there, a key to the products waited for an ACCESS EXCLUSIVE
            # lock on catalog_product behind the search lists' reads of it (and they
            # behind it); added back there NOT VALID, which lets readers be.
            category_keys = {table: _Rebuild(cursor, (table,)) for table in CATEGORY_LIST_TABLES}
            for dropped in category_keys.values():
                dropped.drop(cursor)
        else:
            insert_orders(runner, orders, counts=counts, bulk=use_bulk)
            cursor.execute(SQL_DROP_STAGING)
            _rebuild_lists(runner, counts, bulk=use_bulk)

    if rebuild is not None:
        try:
            insert_orders_in_parallel(runner.params, orders, rebuild, counts=counts, log=log, jobs=jobs)
        except Exception as exc:
            _restore_dropped(category_keys)
            raise DataGenError(
                f"the load failed while inserting the orders ({exc}); the catalog and customers were committed "
                "before, and stay: drop this database and generate into a fresh one"
            ) from exc
        # The steps after the order inserts, on `jobs` connections, each in its own
        # transaction (a VACUUM in autocommit), a step as soon as the steps it needs have
        # finished (_run_steps). Every table is vacuumed (analyzed, hint bits and the
        # visibility map set) before its keys are checked: the check of a key then reads
        # two indexes in order instead of the table (full scale, the lines' key to their
        # orders: 56 s -> 8 s). The views read the vacuumed tables (plans from their
        # statistics) and go beside what is left (the facet counts, the last keys).
        failed = _run_steps(_after_inserts(rebuild, category_keys, log), jobs, counts)
        if failed:
            _restore_dropped(category_keys)  # when the listing's step was among them
            raise DataGenError(
                "the catalog, customers and orders were committed, but these steps after them failed: "
                + "; ".join(failed)
                + ". This data set is incomplete: drop this database and generate into a fresh one"
            )
    else:
        t0 = time.monotonic()
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                cursor.execute("ANALYZE " + ", ".join(ANALYZED_TABLES))
                label = "analyze"
            else:
                # Outside a transaction (the command): also set hint bits and the visibility
                # map now, instead of on the first reads of a benchmark; a table per job.
                cursor.execute(
                    "SELECT t FROM unnest(%s::text[]) AS t ORDER BY pg_total_relation_size(t::regclass) DESC",
                    [list(ANALYZED_TABLES)],
                )
                tables = [row[0] for row in cursor.fetchall()]
                with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="vacuum") as pool:
                    list(pool.map(lambda table: _in_own_connection(_vacuum, table, atomic=False), tables))
                label = f"vacuum (analyze), {jobs} jobs"
        log.step(label, None, time.monotonic() - t0)
        t0 = time.monotonic()
        # Outside a transaction, `jobs` views at a time on their own connections (reports/refresh.py),
        # each written as it is (nobody reads them yet), not diffed against its empty rows.
        views = refresh_views(jobs=jobs, concurrently=False)
        log.step("analytics views refreshed", sum(row[2] for row in views), time.monotonic() - t0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    log.line(f"Done in {time.monotonic() - started:.1f} s; database size {size}.")
    return counts


@dataclass(frozen=True)
class _Step:
    """A step of the bulk load after the order inserts (_run_steps): task(cursor, *args)
    on its own connection, in a transaction unless `atomic` is false (VACUUM)."""

    label: str
    task: Callable[..., dict[str, int]]
    args: tuple[Any, ...] = ()
    needs: frozenset[str] = frozenset()
    atomic: bool = True


def _after_inserts(rebuild: _Rebuild, category_keys: dict[str, _Rebuild], log: _Log) -> list[_Step]:
    """The steps after the parallel order inserts, in the order they are preferred when
    several may start. Independent of each other (no two lock one table in conflicting
    modes) except for what `needs` says: the facet counts read the listing and the lists;
    a table's keys are checked once it and the tables they refer to are vacuumed; the
    views read every table. The longest first (full scale: the listing and its search
    index ~55 s, the search lists ~100-115 s, their facet counts ~82 s, the orders', lines'
    and status history's VACUUMs 16-28 s each, the views 28-60 s each)."""
    listing, lists = "the category listing and its search index", "the search lists"
    vacuums = {table: f"vacuum (analyze) {table}" for table in ANALYZED_TABLES}
    steps = [
        _Step("the search's facet counts", _rebuild_list, ("facets", log), frozenset({listing, lists})),
        _Step(listing, _rebuild_category_tables, (log, category_keys)),
        _Step(lists, _rebuild_list, ("term lists", log)),
        # The tables the order tables' keys refer to, first: the orders, the customers, the catalog.
        *(
            _Step(vacuums[table], _vacuum_step, (table, log), atomic=False)
            for table in ("orders_order", *LOADED_TABLES)
        ),
    ]
    for table, names, referenced in key_validations(rebuild):
        if vacuums[table] not in {step.label for step in steps}:
            steps.append(_Step(vacuums[table], _vacuum_step, (table, log), atomic=False))
        needs = frozenset(vacuums[t] for t in (table, *referenced) if t in vacuums)
        steps.append(_Step(f"the keys of {table} (left NOT VALID)", validate_keys, (table, names, log), needs))
    steps += [
        _Step(vacuums[table], _vacuum_step, (table, log), atomic=False)
        for table in ANALYZED_TABLES
        if vacuums[table] not in {step.label for step in steps}
    ]
    every_vacuum = frozenset(vacuums.values())
    steps += [_Step(f"analytics view {view}", _refresh_step, (view, log), every_vacuum) for view in VIEWS]
    return steps


def _run_steps(steps: list[_Step], jobs: int, counts: dict[str, int]) -> list[str]:
    """Run `steps` on `jobs` connections: whenever one is free, the first step whose needs
    have all finished. A step that fails is reported and the others go on, except those
    that need it (transitively), which are not started. Returns "label: error" per failure."""
    pending = list(steps)
    finished: set[str] = set()
    failed: list[str] = []
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="after") as pool:
        running: dict[Future[dict[str, int]], str] = {}
        while pending or running:
            # Steps that need a failed or skipped step never start (nor what needs them).
            possible = {*running.values(), *finished, *(step.label for step in pending)}
            pending = [step for step in pending if step.needs <= possible]
            for step in [step for step in pending if step.needs <= finished][: jobs - len(running)]:
                pending.remove(step)
                running[pool.submit(_in_own_connection, step.task, *step.args, atomic=step.atomic)] = step.label
            if not running:
                break  # nothing can start: what is left needs a failed step
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                label = running.pop(future)
                try:
                    counts.update(future.result())
                    finished.add(label)
                except Exception as exc:  # reported together; the others go on
                    failed.append(f"{label}: {exc}")
    return failed


def _vacuum_step(cursor: Any, table: str, log: _Log) -> dict[str, int]:
    t0 = time.monotonic()
    _vacuum(cursor, table)
    log.step(f"vacuum (analyze) {table}", None, time.monotonic() - t0)
    return {}


def _refresh_step(cursor: Any, view: str, log: _Log) -> dict[str, int]:
    """One analytics view, written as it is (nobody reads it yet), not diffed against its
    empty rows (reports.refresh.refresh_view)."""
    _view, seconds, rows = refresh_view(view, concurrently=False)
    log.step(view, rows, seconds)
    return {}


def _rebuild_lists(runner: _Runner, counts: dict[str, int], *, bulk: bool) -> None:
    """The category listing and the search lists, in the load's transaction."""
    cursor, log = runner.cursor, runner.log
    # The category listing (catalog 0013) from the final products: its triggers were
    # off for the bulk catalog load and the orders load sets units_sold set-based.
    # With its rows and the products' words, for searches within a category (catalog 0021).
    counts.update(_rebuild_category_tables(cursor, log, bulk=bulk))
    # Frequent words' best matches (catalog 0016). With the triggers on (small data
    # sets) the load's updates stamped every product's text as changed now, but it
    # was written when the product was created (a stamp only: no audit, no touch).
    if not bulk:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the queued checks: ALTER needs none pending
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("ALTER TABLE catalog_product DISABLE TRIGGER USER")
        cursor.execute("UPDATE catalog_product SET search_changed_at = created_at")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys' checks of the update
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("ALTER TABLE catalog_product ENABLE TRIGGER USER")
    counts.update(_rebuild_list(cursor, "term lists", log))
    counts.update(_rebuild_list(cursor, "facets", log))


def _rebuild_category_tables(
    cursor: Any, log: _Log, dropped: dict[str, _Rebuild] | None = None, *, bulk: bool = True
) -> dict[str, int]:
    """The category listing, then its rows with the products' words. One after the other,
    not side by side: in bulk mode each re-adds its foreign keys to the products and
    categories, which locks those tables against the other's. `dropped`: the keys and
    indexes of CATEGORY_LIST_TABLES the load dropped before (see _rebuild_list)."""
    dropped = dropped or {}
    return {
        **_rebuild_list(cursor, "listing", log, bulk=bulk, dropped=dropped.get("catalog_category_listing")),
        **_rebuild_list(cursor, "search", log, bulk=bulk, dropped=dropped.get("catalog_category_search")),
    }


# The category listing and its search index (catalog 0013, 0021): rebuilt from the products.
CATEGORY_LIST_TABLES = ("catalog_category_listing", "catalog_category_search")
# kind -> (key in the counts, table, statement) for _rebuild_list.
LIST_REBUILDS: dict[str, tuple[str, str, str]] = {
    "listing": ("category_listing", "catalog_category_listing", "SELECT catalog_listing_rebuild()"),
    "search": ("category_search", "catalog_category_search", "SELECT catalog_category_search_rebuild()"),
    # The frequent words' lists alone (the relevance and other orders'), and then, once
    # the category listing is rebuilt too, their facet counts, which read both.
    "term lists": ("search_terms", "catalog_search_term", "SELECT catalog_search_terms_refresh(with_facets => false)"),
    "facets": ("search_facets", "catalog_search_term_facet", "SELECT catalog_search_facets_refresh()"),
}


def _rebuild_list(
    cursor: Any, kind: str, log: _Log, *, bulk: bool = False, dropped: _Rebuild | None = None
) -> dict[str, int]:
    """Rebuild the category listing ("listing"), its search index ("search"), the frequent
    words' lists ("term lists") or their facet counts ("facets", which read the lists and
    the listing). In bulk mode the two category tables' secondary indexes and foreign keys
    are dropped for the insert, then each index built once from the rows and each key
    checked by one set-based validation instead of per inserted row (medium scale: the
    listing 11.0 s → 8.0 s without its keys alone; the words 8.5 s → 4.3 s). A failure
    rolls back the transaction, and the drop with it. `dropped`: the table's keys and
    indexes as an earlier transaction dropped them (the bulk load's first), re-created
    here the same way."""
    key, label, sql = LIST_REBUILDS[kind]
    t0 = time.monotonic()
    rebuild = dropped
    if rebuild is None and bulk and kind in {"listing", "search"}:
        rebuild = _Rebuild(cursor, (label,))
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE needs no pending checks
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        rebuild.drop(cursor)
    cursor.execute(sql)
    rows = int(cursor.fetchone()[0])
    if rebuild is not None:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        rebuild.restore(cursor)
    log.step(label, rows, time.monotonic() - t0)
    return {key: rows}


def _restore_dropped(dropped: dict[str, _Rebuild]) -> None:
    """After a failed load: the keys and indexes of the category tables its first
    transaction dropped, back as they were if their rebuild did not commit (the tables
    are empty then: each key is validated at once)."""
    connection.close()  # it may be in a failed transaction
    with transaction.atomic(), connection.cursor() as cursor:
        for rebuild in dropped.values():
            rebuild.restore(cursor, missing=True)


def _vacuum(cursor: Any, table: str) -> None:
    cursor.execute(f"VACUUM (ANALYZE) {table}")  # a name from ANALYZED_TABLES


def _in_own_connection[T](task: Callable[..., T], *args: Any, atomic: bool = True) -> T:
    """task(cursor, *args) on this worker thread's own connection, in a transaction with
    the load's settings (or in autocommit, as VACUUM needs); the connection is closed after."""
    try:
        with transaction.atomic() if atomic else nullcontext(), connection.cursor() as cursor:
            if atomic:
                cursor.execute("SET LOCAL synchronous_commit = off")
                cursor.execute("SET LOCAL jit = off")
            return task(cursor, *args)
    finally:
        connection.close()


def _stage_catalog(
    runner: _Runner,
    spec: Scale,
    tree: TreeRows,
    vocabulary: dict[str, Any],
    counts: dict[str, int],
    password: str,
    *,
    bulk: bool,
) -> dict[str, Any]:
    """Insert categories, sellers and customers; stage products, variants and reviews (and
    in `bulk` mode the products' search vectors).

    Returns the parameters of the catalog's inserts, among them `user_base` (the id
    before the first customer's) and `variant_base` (before the first variant's).
    """
    log = runner.log
    # Reserve id blocks: the rows generated refer to each other by these ids.
    n_customers, n_sellers = spec.customers, spec.sellers
    category_base = _reserve_ids(runner, "catalog_category", len(tree.categories))
    seller_base = _reserve_ids(runner, "accounts_seller", n_sellers)
    user_base = _reserve_ids(runner, "accounts_user", n_customers + n_sellers)
    product_base = _reserve_ids(runner, "catalog_product", spec.products)

    t0 = time.monotonic()
    counts["categories"] = sum(
        runner.run(SQL_CATEGORIES, {"base": category_base, "depth": depth})
        for depth in sorted({row["depth"] for row in tree.categories})
    )
    log.step("catalog_category", counts["categories"], time.monotonic() - t0)

    seller_params = {"base": seller_base, "n": n_sellers, "tops": spec.tops}
    counts["sellers"] = runner.step("accounts_seller", SQL_SELLERS, seller_params)
    owners = {"base": seller_base, "n": n_sellers, "user_base": user_base + n_customers, "password": password}
    counts["seller_users"] = runner.step("accounts_user (seller owners)", SQL_SELLER_USERS, owners)
    counts["seller_members"] = runner.step("accounts_seller_member", SQL_SELLER_MEMBERS, owners)

    people = {
        "base": user_base,
        "n": n_customers,
        "password": password,
        "first_names": len(FIRST_NAMES),
        "last_names": len(LAST_NAMES),
        "country_bounds": vocabulary["country_bounds"],
    }
    counts["customers"] = runner.step("accounts_user (customers)", SQL_CUSTOMERS, people)
    counts["addresses"] = runner.step("accounts_address", SQL_ADDRESSES, people)

    product_params = {
        "base": product_base,
        "n": spec.products,
        "category_base": category_base,
        "seller_base": seller_base,
        "sellers": n_sellers,
        "tops": spec.tops,
        "leaves": len(tree.leaves),
        "poor_share": POOR_PRODUCT_SHARE,
        "qualified": spec.qualified,
    }
    runner.step("products (staged)", SQL_STAGE_PRODUCTS, product_params)
    runner.run(SQL_STAGE_SEARCH_NAMES)
    runner.step("search vectors (staged)", SQL_STAGE_SEARCH, {"bulk": bulk})
    n_variants = int(runner.scalar("SELECT coalesce(sum(n_variants), 0) FROM gen_product"))
    variant_base = _reserve_ids(runner, "catalog_variant", max(n_variants, 1))
    runner.step("variants (staged)", SQL_STAGE_VARIANTS, {"variant_base": variant_base})
    reviewable = runner.step("reviewable products (staged)", SQL_STAGE_REVIEWABLE)
    review_params = {
        "n": spec.reviews,
        "reviewable": reviewable,
        "zipf": spec.zipf,
        "prime": PRIME,
        "customers": n_customers,
        "poor_bounds": RATING_BOUNDS_POOR,
        "good_bounds": RATING_BOUNDS_GOOD,
        "user_base": user_base,
    }
    runner.step("reviews (staged)", SQL_STAGE_REVIEWS, review_params)
    return {**review_params, "variant_base": variant_base}


def _insert_catalog(runner: _Runner, counts: dict[str, int], staged: dict[str, Any], use_bulk: bool) -> None:
    """Insert the staged products, category links, images, variants and reviews."""
    params = {**staged, "bulk": use_bulk}
    counts["products"] = runner.step("catalog_product", SQL_PRODUCTS, params)
    counts["product_categories"] = runner.step("catalog_product_category", SQL_PRODUCT_CATEGORIES)
    counts["images"] = runner.step("catalog_product_image", SQL_IMAGES)
    counts["variants"] = runner.step("catalog_variant", SQL_VARIANTS)
    counts["reviews"] = runner.step("catalog_review", SQL_REVIEWS, params)


@contextmanager
def _load_mode(cursor: Any, log: _Log, *, bulk: bool) -> Iterator[None]:
    """In bulk mode, disable the user triggers of the loaded tables for the load's block,
    and drop the foreign keys, primary keys and unique constraints (those no foreign key
    refers to) and secondary indexes of the big ones (CATALOG_REBUILT_TABLES) until its end.

    On success: in bulk mode re-create those indexes, each built once and sorted, and
    the keys, each added NOT VALID and validated by one set-based check of the rows
    instead of one queued lookup per inserted row (full scale: 49 s of queued checks);
    run the queued deferred checks (foreign keys of the other tables; with triggers on,
    also "every product has a variant") so a bad row fails here, go back to the default
    mode (every deferrable constraint of this schema is INITIALLY DEFERRED), and
    re-enable the triggers. On failure no SQL is sent (it would fail in the aborted
    transaction and hide the real error): the rollback of the load restores the
    triggers, keys and indexes, because ALTER TABLE and DROP INDEX are transactional.
    """
    rebuild = None
    if bulk:
        _set_user_triggers(cursor, enabled=False)
        rebuild = _Rebuild(cursor, CATALOG_REBUILT_TABLES)
        rebuild.drop(cursor)
    yield
    if rebuild is not None:
        t0 = time.monotonic()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE needs no pending checks
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 1")  # the leader and one worker: 2 cores
        rebuild.restore(cursor)
        cursor.execute("RESET max_parallel_maintenance_workers")
        log.step("catalog indexes rebuilt, keys validated", None, time.monotonic() - t0)
    t0 = time.monotonic()
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    log.step("deferred foreign keys checked", None, time.monotonic() - t0)
    if bulk:
        _set_user_triggers(cursor, enabled=True)


def _create_vocabulary(cursor: Any, vocabulary: dict[str, Any], tree: TreeRows) -> None:
    cursor.execute(SQL_DROP_STAGING)
    for sql in SQL_FUNCTIONS:
        cursor.execute(sql)
    data = {**vocabulary, "categories": tree.categories, "leaves": tree.leaves}
    for key, create, alter, insert in SQL_VOCABULARY:
        cursor.execute(create)
        if alter:
            cursor.execute(alter)
        cursor.execute(insert, [json.dumps(data[key])])


# Every table the load writes, for _truncate_empty_tables (which adds the tables that
# refer to them).
WRITTEN_TABLES = (
    *LOADED_TABLES,
    *ORDER_TABLES,
    *DERIVED_CATALOG_TABLES,
    "catalog_category_listing",
    "catalog_category_search",
    "catalog_search_term",
    "catalog_search_word",
)
# The written tables and, recursively, the tables whose foreign keys refer to them (a
# table can only be truncated together with those), each with its referrers and whether
# its file is empty. Size, not SELECT: under row-level security a SELECT may not see
# every row, and a table that ever had a row has a non-empty file until it is truncated.
SQL_REFERRING_TABLES = """
WITH RECURSIVE t(rel) AS (
    SELECT unnest(%(tables)s::regclass[])
    UNION
    SELECT c.conrelid::regclass FROM pg_constraint c JOIN t ON c.confrelid = t.rel WHERE c.contype = 'f'
)
SELECT t.rel::text,
       coalesce((SELECT array_agg(DISTINCT c.conrelid::regclass::text) FROM pg_constraint c
                  WHERE c.contype = 'f' AND c.confrelid = t.rel AND c.conrelid <> t.rel), '{}'),
       r.relkind = 'r' AND pg_relation_size(t.rel) = 0
       AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = t.rel AND (g.tgtype & 32) <> 0)  -- on TRUNCATE
  FROM t JOIN pg_class r ON r.oid = t.rel
"""


def _truncate_empty_tables(cursor: Any, tables: tuple[str, ...] = WRITTEN_TABLES) -> int:
    """TRUNCATE the written tables whose files are empty (with the tables referring to them).

    Nothing is lost: only tables that never held a row are truncated, after they are
    locked and checked again. What it buys: a truncated table gets a new file in this
    transaction, and at `wal_level = minimal` (the project's cluster,
    scripts/postgresql.conf) PostgreSQL writes no WAL for rows and index builds going
    into such a file, and syncs the file at commit instead (PostgreSQL manual,
    "Populating a Database"; measured here: a quarter of an insert's time, and the load
    wrote 2.2 bytes of WAL per byte of data). At `wal_level = replica` it changes
    nothing. Bulk mode only (a fresh database): the locks are ACCESS EXCLUSIVE until
    commit. Returns how many tables were truncated.
    """
    candidates: set[str] = set()
    for attempt in range(2):  # the second pass runs with the candidates locked
        cursor.execute(SQL_REFERRING_TABLES, {"tables": list(tables)})
        rows = cursor.fetchall()
        referred_by = {table: set(referrers) for table, referrers, _empty in rows}
        empty = {table for table, _referrers, is_empty in rows if is_empty}
        candidates = empty if attempt == 0 else candidates & empty
        while blocked := {t for t in candidates if not referred_by[t] <= candidates}:
            candidates -= blocked
        if attempt == 0 and candidates:
            # Names come from the catalogs (regclass::text quotes them); sorted: one lock order.
            cursor.execute(f"LOCK TABLE {', '.join(sorted(candidates))} IN ACCESS EXCLUSIVE MODE")
    if candidates:
        cursor.execute("TRUNCATE " + ", ".join(sorted(candidates)))
    return len(candidates)


def _reserve_ids(runner: _Runner, table: str, count: int) -> int:
    """Advance `table`'s id sequence past a block of `count` ids; return the id before it.

    The table is locked against concurrent inserts until the load commits, so no other
    session can take an id in the block. `table` is one of RESERVED_ID_TABLES (constants).
    """
    if table not in RESERVED_ID_TABLES or count < 1:
        raise AssertionError(f"cannot reserve {count} ids in {table}")
    runner.cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
    highest = runner.scalar(f"SELECT coalesce(max(id), 0) FROM {table}")
    return int(
        runner.scalar(
            "SELECT setval(seq, greatest(nextval(seq) - 1, %(highest)s) + %(count)s) - %(count)s"
            "  FROM pg_get_serial_sequence(%(table)s, 'id') AS seq",
            {"table": table, "highest": highest, "count": count},
        )
    )


def _set_user_triggers(cursor: Any, *, enabled: bool) -> None:
    # Table names come from the LOADED_TABLES constant, never from input.
    action = "ENABLE" if enabled else "DISABLE"
    for table in LOADED_TABLES:
        cursor.execute(f"ALTER TABLE {table} {action} TRIGGER USER")


def _check_vocabulary(scale: Scale) -> None:
    """Invariants the SQL relies on (cheap; run on every call)."""
    for top in TOPS[: scale.tops]:
        combinations = len(SELLER_PREFIXES) * len(top.trade) * len(SELLER_SUFFIXES)
        if math.gcd(7919, combinations) != 1 or math.ceil(scale.sellers / scale.tops) > combinations:
            raise AssertionError(f"seller names of {top.name} would not be unique")
        for sub in top.subs:
            for leaf in sub.leaves:
                scheme = SCHEMES[leaf.scheme]
                if len(scheme.options) < 4 or list(scheme.multipliers) != sorted(scheme.multipliers):
                    raise AssertionError(f"scheme {leaf.scheme} needs >= 4 options, priced in ascending order")
    if max(scale.customers, scale.products) >= PRIME:
        raise AssertionError("PRIME must exceed the customer and product counts")
