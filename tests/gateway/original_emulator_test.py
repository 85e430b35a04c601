#!/usr/bin/env python3
"""Sends EXACTLY what the original course scripts send (user_posting_emulation.py for the
batch topics, user_posting_emulation_streaming.py for the streams), then reads everything
back through the REST Proxy consumer API and checks every record is there exactly once,
in order, with its fields in the order they were sent.

usage: original_emulator_test.py <path of gateway_test_server>
"""
import collections
import datetime
import json
import random
import sys
import unittest
import uuid

import requests

sys.path.insert(0, __import__("os").path.dirname(__file__))
from gw_server import GatewayServer  # noqa: E402

UID = "0a60b9a8a831"
EVENTS = 120
SERVER = None


def make_rows(rng, n):
    """One (pin, geo, user) event shaped like the source tables (datetimes as objects)."""
    cats = ["art", "beauty", "christmas", "diy-and-crafts", "travel", "vehicles"]
    cat = rng.choice(cats)
    pin = {"index": n, "unique_id": str(uuid.UUID(int=rng.getrandbits(128))),
           "title": rng.choice(["No Title Data Available", "Über schöne Reise ✈️", "TireBuyer"]),
           "description": rng.choice(["Nissan GT-R. Sick.", "I ca\u2026\u00a0", "No description available"]),
           "poster_name": rng.choice(["User Info Error", "Ray Uyemura"]),
           "follower_count": rng.choice(["437", "124k", "8M", "User Info Error"]),
           "tag_list": "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
           "is_image_or_video": "image", "image_src": "https://i.pinimg.com/originals/x.jpg",
           "downloaded": rng.randint(0, 1), "save_location": "Local save in /data/" + cat,
           "category": cat}
    geo = {"ind": n, "timestamp": datetime.datetime(2020, 8, 28, 3, 52, 47) +
           datetime.timedelta(seconds=rng.randint(0, 10 ** 8)),
           "latitude": round(rng.uniform(-90, 90), 4), "longitude": round(rng.uniform(-180, 180), 4),
           "country": rng.choice(["Albania", "Côte d'Ivoire", "Zimbabwe"])}
    user = {"ind": n, "first_name": "Andrea", "last_name": "Alvarado", "age": rng.randint(20, 59),
            "date_joined": datetime.datetime(2015, 10, 31, 11, 13, 23) +
            datetime.timedelta(seconds=rng.randint(0, 10 ** 7))}
    return {"pin": pin, "geo": geo, "user": user}


class OriginalEmulatorTest(unittest.TestCase):
    def setUp(self):
        self.server = GatewayServer(SERVER, UID)
        self.url = self.server.url

    def tearDown(self):
        self.server.stop()

    def read_all(self, group, topics):
        headers = {"Content-Type": "application/vnd.kafka.v2+json"}
        r = requests.post(self.url + "/consumers/" + group, headers=headers,
                          data=json.dumps({"name": "reader", "format": "json",
                                           "auto.offset.reset": "earliest"}))
        self.assertEqual(r.status_code, 200, r.text)
        base = r.json()["base_uri"]
        r = requests.post(base + "/subscription", headers=headers, data=json.dumps({"topics": topics}))
        self.assertEqual(r.status_code, 204, r.text)
        got = collections.defaultdict(list)
        empty = 0
        while empty < 2:
            r = requests.get(base + "/records?timeout=200",
                             headers={"Accept": "application/vnd.kafka.json.v2+json"})
            self.assertEqual(r.status_code, 200, r.text)
            batch = r.json(object_pairs_hook=collections.OrderedDict)
            empty = empty + 1 if not batch else 0
            for rec in batch:
                self.assertEqual(list(rec.keys()), ["topic", "key", "value", "partition", "offset"])
                got[rec["topic"]].append(rec)
        r = requests.post(base + "/offsets", headers=headers)
        self.assertEqual(r.status_code, 200, r.text)
        requests.delete(base, headers=headers)
        return got

    def test_batch_and_stream_emulation_round_trips_exactly_once(self):
        rng = random.Random(100)
        sent = collections.defaultdict(list)
        for _ in range(EVENTS):
            n = rng.randint(0, 11000)  # sampled with replacement, duplicates are normal
            event = make_rows(rng, n)
            for table in ("pin", "geo", "user"):
                result = event[table]
                # --- as user_posting_emulation.py ---
                invoke_url = self.url + "/topics/%s.%s" % (UID, table)
                payload = json.dumps({"records": [{"value": result}]}, default=str)
                headers = {"Content-Type": "application/vnd.kafka.json.v2+json"}
                response = requests.request("POST", invoke_url, headers=headers, data=payload)
                self.assertEqual(response.status_code, 200, response.text)
                self.assertIsNone(response.json()["offsets"][0]["error_code"])
                sent["%s.%s" % (UID, table)].append(json.loads(json.dumps(result, default=str)))
                # --- as user_posting_emulation_streaming.py ---
                stream = "streaming-%s-%s" % (UID, table)
                payload = json.dumps({"StreamName": stream, "Data": result,
                                      "PartitionKey": "partition-1"}, default=str)
                headers = {"Content-Type": "application/json"}
                response = requests.request("PUT", self.url + "/streams/%s/record" % stream,
                                            headers=headers, data=payload)
                self.assertEqual(response.status_code, 200, response.text)
                self.assertTrue(response.json()["ShardId"].startswith("shardId-"))
                sent[stream].append(json.loads(json.dumps(result, default=str)))

        got = self.read_all("check", sorted(sent))
        for topic, values in sent.items():
            records = got[topic]
            self.assertEqual(len(records), len(values), topic)
            # Exactly once: the same multiset of values ...
            canon = lambda v: json.dumps(v, sort_keys=True)
            self.assertEqual(collections.Counter(canon(r["value"]) for r in records),
                             collections.Counter(canon(v) for v in values), topic)
            # ... in send order within each partition (all "partition-1" records share a shard),
            # with dense offsets and the fields in the order the client sent them.
            self.assertEqual(len({r["partition"] for r in records}), 1, topic)
            self.assertEqual([r["offset"] for r in records], list(range(len(values))), topic)
            self.assertEqual([r["value"] for r in records], values, topic)
            self.assertEqual(list(records[0]["value"].keys()), list(values[0].keys()), topic)
        # Datetimes travelled as the text default=str makes.
        geo = got["%s.geo" % UID][0]["value"]["timestamp"]
        self.assertRegex(geo, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")

    def test_bad_requests_get_clear_4xx(self):
        r = requests.request("POST", self.url + "/topics/%s.pin" % UID,
                             headers={"Content-Type": "application/json"},
                             data=json.dumps({"records": [{"value": {}}]}))
        self.assertEqual(r.status_code, 415)
        self.assertEqual(r.json()["error_code"], 415)
        r = requests.request("POST", self.url + "/topics/%s.nope" % UID,
                             headers={"Content-Type": "application/vnd.kafka.json.v2+json"},
                             data=json.dumps({"records": [{"value": {}}]}))
        self.assertEqual(r.json()["error_code"], 40401)
        r = requests.request("PUT", self.url + "/streams/streaming-%s-pin/record" % UID,
                             headers={"Content-Type": "application/json"}, data="{oops")
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["__type"], "SerializationException")


if __name__ == "__main__":
    SERVER = sys.argv.pop(1)
    unittest.main(verbosity=2)
