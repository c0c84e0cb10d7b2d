// Read an RSS feed on stdin, print Podcast Index's parse of it (podcast-partytime) as JSON.
"use strict";
process.env.PARTYTIME_LOG = process.env.PARTYTIME_LOG || "silent";
const pt = require("podcast-partytime");

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const feed = pt.parseFeed(Buffer.concat(chunks).toString("utf8"), { allowMissingGuid: false });
  if (!feed) {
    process.stderr.write("partytime could not parse the feed\n");
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(feed, (key, value) => (value instanceof Set ? [...value] : value)));
});
