-- One database per service that keeps its data in PostgreSQL (run once, on the
-- first start with an empty data volume, by the postgres image's entrypoint).
CREATE DATABASE users ENCODING 'UTF8';
CREATE DATABASE inventory ENCODING 'UTF8';
