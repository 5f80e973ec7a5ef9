-- Cluster-level set-up run by scripts/devdb.sh as the cluster's superuser (idempotent).
-- On an external server a DBA runs the same statements once; see README "Configuration".
--   commerce_admin : owner of every ShopWave object; runs migrations and operator commands.
--                    CREATEROLE so migrations can create the scoped roles; CREATEDB for tests.
--   shopwave_web   : the login the web server uses. NOINHERIT and no privileges of its own:
--                    each request SET LOCAL ROLEs into a scoped role (see accounts migrations).
SELECT format('CREATE ROLE commerce_admin LOGIN CREATEROLE CREATEDB NOSUPERUSER NOBYPASSRLS')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'commerce_admin') \gexec
SELECT format('CREATE ROLE shopwave_web LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shopwave_web') \gexec
ALTER ROLE commerce_admin PASSWORD :'admin_pw';
ALTER ROLE shopwave_web PASSWORD :'web_pw';
SELECT format('CREATE DATABASE %I OWNER commerce_admin', :'db')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
