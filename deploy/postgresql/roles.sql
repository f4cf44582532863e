-- dfi-casos: the two PostgreSQL roles. Run once as a superuser (psql -v ...), then
-- `dfi-casos db upgrade` as dfi_owner, then docs/database-roles.sql as dfi_owner (after every migration).
--   psql -v owner_password="'...'" -v app_password="'...'" -f deploy/postgresql/roles.sql
CREATE ROLE dfi_owner LOGIN PASSWORD :owner_password;
CREATE ROLE dfi_app LOGIN PASSWORD :app_password;
CREATE DATABASE dfi OWNER dfi_owner ENCODING 'UTF8' TEMPLATE template0;
\connect dfi
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO dfi_app;
-- The application role can never change the schema nor rewrite the audit trail:
-- docs/database-roles.sql grants it SELECT/INSERT/UPDATE/DELETE on the tables and only SELECT, INSERT on audit_event.
