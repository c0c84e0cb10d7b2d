-- An audionews database as the code before migrations made it (tables by create_all, then
-- one article published, an editor 'ana', an API token 'cms' and a queued job), dumped
-- with Python's sqlite3 iterdump. tests/test_migrations.py adopts it.
BEGIN TRANSACTION;
CREATE TABLE api_tokens (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	created DATETIME NOT NULL, 
	last_used DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (name), 
	UNIQUE (token_hash)
);
INSERT INTO "api_tokens" VALUES(1,'cms','7f956f1dfa8e9d218e1dd3613b2f3219635a8e001d5174ac9dd3dfd193fe06e5','2026-12-02 13:31:30.000000',NULL);
CREATE TABLE article_locks (
	"key" VARCHAR(100) NOT NULL, 
	job_id INTEGER NOT NULL, 
	owner VARCHAR(200) NOT NULL, 
	pid INTEGER NOT NULL, 
	host VARCHAR(200) NOT NULL, 
	heartbeat FLOAT NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE editor_sessions (
	id_hash VARCHAR(64) NOT NULL, 
	editor VARCHAR(100) NOT NULL, 
	created FLOAT NOT NULL, 
	expires FLOAT NOT NULL, 
	PRIMARY KEY (id_hash)
);
CREATE TABLE editors (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	password_hash TEXT NOT NULL, 
	created DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
INSERT INTO "editors" VALUES(1,'ana','scrypt:32768:8:1$lf82uyQ2W12PnUo8$b55a27b5c3a726dfba712f5da35a69d1f2aed5da8007d5070beafbe387d76fe1c42a86f4d99d26dbbab2b2560d4cec4e7bca6211c7a7880d8876a5e9f9325cf7','2026-12-02 13:31:30.000000');
CREATE TABLE episodes (
	id INTEGER NOT NULL, 
	slug VARCHAR(100) NOT NULL, 
	guid VARCHAR(36) NOT NULL, 
	title TEXT NOT NULL, 
	kicker TEXT NOT NULL, 
	category VARCHAR(200) NOT NULL, 
	category_slug VARCHAR(100) NOT NULL, 
	language VARCHAR(20) NOT NULL, 
	standfirst TEXT NOT NULL, 
	byline TEXT NOT NULL, 
	created DATETIME NOT NULL, 
	published DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	current_revision INTEGER NOT NULL, 
	withdrawn DATETIME, 
	link TEXT DEFAULT '' NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (guid)
);
INSERT INTO "episodes" VALUES(1,'bridge-reopens-after-repairs','08702737-d717-5390-9aee-dd322f7108f6','Bridge reopens after repairs','CITY','City','city','en','','','2026-12-02 13:31:30.000000','2026-12-02 13:31:30.000000','2026-12-02 13:31:30.000000',1,NULL,'');
CREATE TABLE feed_guids (
	path VARCHAR(200) NOT NULL, 
	guid VARCHAR(36) NOT NULL, 
	PRIMARY KEY (path)
);
INSERT INTO "feed_guids" VALUES('feed.xml','157d56e8-28cd-5b14-a6eb-d59e90eda248');
INSERT INTO "feed_guids" VALUES('feeds/city.xml','45b0fc63-d8e0-51dd-86c7-98aa4a87db14');
CREATE TABLE jobs (
	id INTEGER NOT NULL, 
	slug VARCHAR(100) NOT NULL, 
	action VARCHAR(20) NOT NULL, 
	kind VARCHAR(40) NOT NULL, 
	note TEXT NOT NULL, 
	editor VARCHAR(200) NOT NULL, 
	source BLOB NOT NULL, 
	source_filename TEXT NOT NULL, 
	source_format VARCHAR(20) NOT NULL, 
	source_url TEXT DEFAULT '' NOT NULL, 
	link TEXT DEFAULT '' NOT NULL, 
	revision INTEGER NOT NULL, 
	state VARCHAR(20) NOT NULL, 
	done INTEGER NOT NULL, 
	total INTEGER NOT NULL, 
	synthesized INTEGER NOT NULL, 
	cached INTEGER NOT NULL, 
	message TEXT NOT NULL, 
	attempts INTEGER NOT NULL, 
	pid INTEGER NOT NULL, 
	host VARCHAR(200) NOT NULL, 
	heartbeat FLOAT NOT NULL, 
	created DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "jobs" VALUES(1,'bridge-reopens-after-repairs','regenerate','update','','ana',X'','','','','',0,'queued',0,0,0,0,'',0,0,'',0.0,'2026-12-02 13:31:30.000000','2026-12-02 13:31:30.000000');
CREATE TABLE library_state (
	id INTEGER NOT NULL, 
	generation INTEGER NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "library_state" VALUES(1,1);
CREATE TABLE login_throttle (
	"key" VARCHAR(200) NOT NULL, 
	failures INTEGER NOT NULL, 
	last FLOAT NOT NULL, 
	next_allowed FLOAT NOT NULL, 
	version INTEGER NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE revision_sentences (
	id INTEGER NOT NULL, 
	slug VARCHAR(100) NOT NULL, 
	number INTEGER NOT NULL, 
	sentences_json TEXT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (slug, number)
);
INSERT INTO "revision_sentences" VALUES(1,'bridge-reopens-after-repairs',1,'[["CITY", "City"], ["Bridge reopens after repairs", "Bridge reopens after repairs"], ["The river crossing is open again after six weeks of work.", "The river crossing is open again after six weeks of work."], ["Traffic returned to the old bridge on Monday morning.", "Traffic returned to the old bridge on Monday morning."], ["Engineers replaced the deck joints.", "Engineers replaced the deck joints."], ["You have been listening to Bridge reopens after repairs, from audionews.", "You have been listening to Bridge reopens after repairs, from audionews."]]');
CREATE TABLE revisions (
	id INTEGER NOT NULL, 
	episode_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	kind VARCHAR(40) NOT NULL, 
	note TEXT NOT NULL, 
	editor VARCHAR(200) NOT NULL, 
	created DATETIME NOT NULL, 
	source BLOB NOT NULL, 
	source_hash VARCHAR(64) NOT NULL, 
	source_filename TEXT NOT NULL, 
	source_format VARCHAR(20) NOT NULL, 
	script_json TEXT NOT NULL, 
	files_json TEXT NOT NULL, 
	chapters_json TEXT NOT NULL, 
	notices_json TEXT NOT NULL, 
	title TEXT NOT NULL, 
	duration_s DOUBLE NOT NULL, 
	segments_synthesized INTEGER NOT NULL, 
	segments_cached INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (episode_id, number), 
	FOREIGN KEY(episode_id) REFERENCES episodes (id)
);
INSERT INTO "revisions" VALUES(1,1,1,'published','','cli','2026-12-02 13:31:30.000000',X'434954590A4272696467652072656F70656E7320616674657220726570616972730A5468652072697665722063726F7373696E67206973206F70656E20616761696E20616674657220736978207765656B73206F6620776F726B2E0A0A547261666669632072657475726E656420746F20746865206F6C6420627269646765206F6E204D6F6E646179206D6F726E696E672E20456E67696E65657273207265706C6163656420746865206465636B206A6F696E74732E0A','0c60e9f30003e781cfe6a57de1dcd20211fb3e1dcb61bacbae5bd19fc11d199f','','text','{"title": "Bridge reopens after repairs", "language": "en", "voice": "en_US-joe-medium", "chapters": [{"title": "Introduction", "kind": "opening", "segments": [{"kind": "kicker", "text": "CITY", "speech": "City"}, {"kind": "headline", "text": "Bridge reopens after repairs", "speech": "Bridge reopens after repairs"}]}, {"title": "Story", "kind": "body", "segments": [{"kind": "paragraph", "text": "The river crossing is open again after six weeks of work.", "speech": "The river crossing is open again after six weeks of work."}, {"kind": "paragraph", "text": "Traffic returned to the old bridge on Monday morning. Engineers replaced the deck joints.", "speech": "Traffic returned to the old bridge on Monday morning. Engineers replaced the deck joints."}]}, {"title": "Closing", "kind": "closing", "segments": [{"kind": "closing", "text": "You have been listening to Bridge reopens after repairs, from audionews.", "speech": "You have been listening to Bridge reopens after repairs, from audionews."}]}], "dropped": []}','{"mp3": ["bridge-reopens-after-repairs-r1.mp3", 235458], "chapters": ["bridge-reopens-after-repairs-r1.chapters.json", 310], "vtt": ["bridge-reopens-after-repairs-r1.vtt", 526], "srt": ["bridge-reopens-after-repairs-r1.srt", 452], "txt": ["bridge-reopens-after-repairs-r1.txt", 318], "html": ["bridge-reopens-after-repairs-r1.html", 806]}','[[0.0, 5.4065306122448975, "Introduction", "opening"], [5.4065306122448975, 18.049795918367348, "Story", "body"], [18.049795918367348, 24.289795918367346, "Closing", "closing"]]','[]','Bridge reopens after repairs',2.42897959183673464158e+01,6,0);
CREATE TABLE slug_reservations (
	slug VARCHAR(100) NOT NULL, 
	job_id INTEGER NOT NULL, 
	created DATETIME NOT NULL, 
	PRIMARY KEY (slug)
);
CREATE INDEX ix_episodes_category_slug ON episodes (category_slug);
CREATE UNIQUE INDEX ix_episodes_slug ON episodes (slug);
CREATE INDEX ix_revisions_source_hash ON revisions (source_hash);
CREATE INDEX ix_revisions_episode_id ON revisions (episode_id);
CREATE INDEX ix_jobs_slug ON jobs (slug);
CREATE INDEX ix_jobs_state ON jobs (state);
CREATE INDEX ix_slug_reservations_job_id ON slug_reservations (job_id);
CREATE INDEX ix_editor_sessions_expires ON editor_sessions (expires);
CREATE INDEX ix_editor_sessions_editor ON editor_sessions (editor);
CREATE INDEX ix_login_throttle_last ON login_throttle (last);
CREATE INDEX ix_revision_sentences_slug ON revision_sentences (slug);
COMMIT;
