-- Loads resources/data/fashion-catalogue.csv into the table fashion_catalogue, for the example
-- pipeline resources/pipelines/fashion-postgres.json. Run it from the repository root with the
-- connection in the PG* variables (or psql's options):
--
--     psql -v ON_ERROR_STOP=1 -f resources/data/fashion-catalogue.sql
DROP TABLE IF EXISTS fashion_catalogue;
CREATE TABLE fashion_catalogue (
    listed timestamp NOT NULL,
    shade text,
    outline text NOT NULL,
    width_px integer NOT NULL,
    height_px integer NOT NULL,
    ink_px integer,
    top real NOT NULL,
    bottom real NOT NULL,
    "left" real NOT NULL,
    "right" real NOT NULL,
    centre real NOT NULL,
    label text NOT NULL
);
\copy fashion_catalogue FROM 'resources/data/fashion-catalogue.csv' WITH (FORMAT csv, HEADER)
