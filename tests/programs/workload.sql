-- A scripted SQLite workload: bulk inserts through a recursive CTE, an
-- index, aggregates, a join, sorting with a big temporary b-tree, updates,
-- deletes and a vacuum.
PRAGMA cache_size = 20000;
CREATE TABLE item(id INTEGER PRIMARY KEY, grp INTEGER, name TEXT, price REAL);
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 200000)
INSERT INTO item SELECT x, x % 97, printf('item-%06d-%s', x, hex(x * 31)), (x * 7919) % 10007 / 100.0 FROM n;
CREATE INDEX item_grp ON item(grp, price);
CREATE TABLE grp(id INTEGER PRIMARY KEY, label TEXT);
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < 96)
INSERT INTO grp SELECT x, 'group ' || x FROM n;
SELECT count(*), sum(price), min(name), max(name) FROM item;
SELECT g.label, count(*), round(avg(i.price), 4), max(i.price)
  FROM item i JOIN grp g ON g.id = i.grp GROUP BY g.id ORDER BY 3 DESC, 1 LIMIT 10;
SELECT name FROM item ORDER BY substr(name, 13), id LIMIT 5 OFFSET 1000;
UPDATE item SET price = price * 2, name = name || '-updated' WHERE grp % 3 = 0;
DELETE FROM item WHERE id % 5 = 0;
SELECT count(*), round(sum(price), 2), sum(length(name)) FROM item;
SELECT group_concat(id, ',') FROM (SELECT id FROM item WHERE grp = 42 ORDER BY price DESC, id LIMIT 20);
VACUUM;
PRAGMA integrity_check;
