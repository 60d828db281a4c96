-- An ldfi provenance database of schema version 3 (before restarts): one run of
-- scenarios/delivery/simple-deliv.conf under omit(a,c,1). tests/db/test_recorder.c
-- opens it with this ldfi, which upgrades it in place.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta(
  key TEXT PRIMARY KEY,
  value TEXT
);
INSERT INTO meta VALUES('schema_version','3');
INSERT INTO meta VALUES('application','ldfi');
INSERT INTO meta VALUES('created_by','ldfi 0.1.0');
CREATE TABLE runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  faults TEXT NOT NULL,
  n_faults INTEGER NOT NULL,
  strategy TEXT NOT NULL,
  passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
  verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail')),
  wall_us INTEGER NOT NULL,
  n_messages INTEGER NOT NULL,
  n_lost INTEGER NOT NULL,
  n_outputs INTEGER NOT NULL,
  hypothesis INTEGER NULL,
  eot INTEGER NOT NULL,
  eff INTEGER NOT NULL,
  crashes INTEGER NOT NULL,
  conf TEXT NULL,
  failure TEXT NULL
);
INSERT INTO runs VALUES(1,'omit(a,c,1)',1,'run',0,'fail',79,3,1,2,NULL,4,2,0,'scenarios/delivery/simple-deliv.conf',NULL);
CREATE TABLE messages(
  run INTEGER NOT NULL,
  id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('data', 'ack')),
  src_node TEXT NOT NULL,
  src_stage TEXT NOT NULL,
  dst_node TEXT NOT NULL,
  dst_stage TEXT NOT NULL,
  send_round INTEGER NOT NULL,
  deliver_round INTEGER NULL,
  fate TEXT NOT NULL CHECK (fate IN ('delivered', 'omitted', 'crashed', 'eot')),
  lost_by TEXT NULL,
  record TEXT NULL,
  delivery TEXT NOT NULL CHECK (delivery IN ('none', 'once', 'repeat', 'ack')),
  parents TEXT NOT NULL CHECK (parents IN ('all', 'any')),
  conditional INTEGER NOT NULL CHECK (conditional IN (0, 1)),
  PRIMARY KEY (run, id)
) WITHOUT ROWID;
INSERT INTO messages VALUES(1,1,'data','a','bcast','a','log',1,2,'delivered',NULL,'bcast:1','once','all',0);
INSERT INTO messages VALUES(1,2,'data','a','bcast','b','log',1,2,'delivered',NULL,'bcast:1','once','all',0);
INSERT INTO messages VALUES(1,3,'data','a','bcast','c','log',1,NULL,'omitted','omit(a,c,1)','bcast:1','once','all',0);
CREATE TABLE message_parents(
  run INTEGER NOT NULL,
  msg INTEGER NOT NULL,
  parent INTEGER NOT NULL,
  PRIMARY KEY (run, msg, parent)
) WITHOUT ROWID;
CREATE TABLE outputs(
  run INTEGER NOT NULL,
  sink TEXT NOT NULL,
  node TEXT NOT NULL,
  pos INTEGER NOT NULL,
  record TEXT NOT NULL,
  round INTEGER NOT NULL,
  alive INTEGER NOT NULL CHECK (alive IN (0, 1)),
  conditional INTEGER NOT NULL DEFAULT 0 CHECK (conditional IN (0, 1)),
  PRIMARY KEY (run, sink, node, pos)
) WITHOUT ROWID;
INSERT INTO outputs VALUES(1,'log','a',0,'bcast:1',2,1,0);
INSERT INTO outputs VALUES(1,'log','b',0,'bcast:1',2,1,0);
CREATE TABLE output_parents(
  run INTEGER NOT NULL,
  sink TEXT NOT NULL,
  node TEXT NOT NULL,
  pos INTEGER NOT NULL,
  parent INTEGER NOT NULL,
  PRIMARY KEY (run, sink, node, pos, parent)
) WITHOUT ROWID;
INSERT INTO output_parents VALUES(1,'log','a',0,1);
INSERT INTO output_parents VALUES(1,'log','b',0,2);
CREATE TABLE checks(
  run INTEGER NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
  PRIMARY KEY (run, name)
) WITHOUT ROWID;
INSERT INTO checks VALUES(1,'agree','agreement',0);
CREATE TABLE check_records(
  run INTEGER NOT NULL,
  check_name TEXT NOT NULL,
  record TEXT NULL,
  sink TEXT NULL,
  node TEXT NULL,
  problem TEXT NOT NULL
    CHECK (problem IN ('missing', 'duplicated', 'out-of-order', 'unexpected-count')),
  count INTEGER NOT NULL,
  expected INTEGER NULL
);
INSERT INTO check_records VALUES(1,'agree','bcast:1','log','c','missing',0,NULL);
CREATE TABLE hypotheses(
  id INTEGER PRIMARY KEY,
  faults TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'tried', 'pruned')),
  run INTEGER NULL,
  found_by_run INTEGER NULL
);
CREATE TABLE explore(
  key TEXT PRIMARY KEY,
  value TEXT
);
ANALYZE sqlite_schema;
INSERT INTO sqlite_stat1 VALUES('messages','messages','1000000 100000 1');
INSERT INTO sqlite_stat1 VALUES('messages','messages_dst','1000000 100000 2000 500');
INSERT INTO sqlite_stat1 VALUES('message_parents','message_parents','1000000 100000 1 1');
INSERT INTO sqlite_stat1 VALUES('outputs','outputs','100000 10000 1000 100 1');
INSERT INTO sqlite_stat1 VALUES('output_parents','output_parents','100000 10000 1000 100 1 1');
INSERT INTO sqlite_stat1 VALUES('check_records','check_records_run','1000 100 10');
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('runs',1);
CREATE INDEX runs_faults ON runs(faults);
CREATE INDEX messages_dst ON messages(run, dst_node, dst_stage);
CREATE INDEX check_records_run ON check_records(run, check_name);
CREATE INDEX hypotheses_status ON hypotheses(status, size, id);
COMMIT;
PRAGMA application_id = 1279542857;
PRAGMA user_version = 3;
