#!/usr/bin/env python3
"""An unmodified boto3 Kinesis client against the gateway's native JSON 1.1 API: create,
list, describe, put_record / put_records, then get_shard_iterator + get_records read
everything back, in order per shard, on the shard MD5 says.

usage: boto3_kinesis_test.py <path of gateway_test_server>
"""
import hashlib
import os
import sys
import unittest

import boto3
import botocore

sys.path.insert(0, os.path.dirname(__file__))
from gw_server import GatewayServer  # noqa: E402

UID = "0a60b9a8a831"
SERVER = None


class Boto3KinesisTest(unittest.TestCase):
    def setUp(self):
        self.server = GatewayServer(SERVER, UID)
        self.kinesis = boto3.client(
            "kinesis", endpoint_url=self.server.url, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(retries={"max_attempts": 1}))

    def tearDown(self):
        self.server.stop()

    def read_shard(self, stream, shard_id, kind="TRIM_HORIZON", **kw):
        it = self.kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                             ShardIteratorType=kind, **kw)["ShardIterator"]
        out = []
        while True:
            r = self.kinesis.get_records(ShardIterator=it, Limit=7)
            out.extend(r["Records"])
            it = r["NextShardIterator"]
            if not r["Records"]:
                self.assertEqual(r["MillisBehindLatest"], 0)
                return out

    def test_create_list_describe_put_and_read_back(self):
        k = self.kinesis
        k.create_stream(StreamName="boto-stream", ShardCount=3)
        k.get_waiter("stream_exists").wait(StreamName="boto-stream",
                                           WaiterConfig={"Delay": 1, "MaxAttempts": 3})
        names = k.list_streams()["StreamNames"]
        self.assertIn("boto-stream", names)
        self.assertIn("streaming-%s-pin" % UID, names)
        desc = k.describe_stream(StreamName="boto-stream")["StreamDescription"]
        self.assertEqual(desc["StreamStatus"], "ACTIVE")
        shards = desc["Shards"]
        self.assertEqual(len(shards), 3)

        def shard_of(key):
            h = int.from_bytes(hashlib.md5(key.encode()).digest(), "big")
            for s in shards:
                if int(s["HashKeyRange"]["StartingHashKey"]) <= h <= int(s["HashKeyRange"]["EndingHashKey"]):
                    return s["ShardId"]
            self.fail("hash outside every range")

        sent = {}  # sequence number -> (shard, data, key)
        for i in range(30):
            key = "key-%d" % (i % 7)
            data = ("record %d \u00e9\u2713" % i).encode()
            r = k.put_record(StreamName="boto-stream", Data=data, PartitionKey=key)
            self.assertEqual(r["ShardId"], shard_of(key))
            sent[r["SequenceNumber"]] = (r["ShardId"], data, key)
        batch = [{"Data": b"\x00\x01binary%d" % i, "PartitionKey": "batch-%d" % i} for i in range(40)]
        r = k.put_records(StreamName="boto-stream", Records=batch)
        self.assertEqual(r["FailedRecordCount"], 0)
        self.assertEqual(len(r["Records"]), 40)
        for rec, res in zip(batch, r["Records"]):
            self.assertEqual(res["ShardId"], shard_of(rec["PartitionKey"]))
            sent[res["SequenceNumber"]] = (res["ShardId"], rec["Data"], rec["PartitionKey"])

        seen = {}
        for s in shards:
            records = self.read_shard("boto-stream", s["ShardId"])
            seqs = [int(x["SequenceNumber"]) for x in records]
            self.assertEqual(seqs, sorted(seqs))  # growing within the shard
            for x in records:
                self.assertNotIn(x["SequenceNumber"], seen)
                seen[x["SequenceNumber"]] = (s["ShardId"], x["Data"], x["PartitionKey"])
                self.assertIsNotNone(x["ApproximateArrivalTimestamp"])
        self.assertEqual(seen, sent)  # every record exactly once, on its shard

        # AT/AFTER_SEQUENCE_NUMBER start where they should.
        first_shard = shard_of("key-0")
        ordered = sorted((q for q, v in sent.items() if v[0] == first_shard), key=int)
        at = self.read_shard("boto-stream", first_shard, "AT_SEQUENCE_NUMBER",
                             StartingSequenceNumber=ordered[1])
        self.assertEqual([x["SequenceNumber"] for x in at], ordered[1:])
        after = self.read_shard("boto-stream", first_shard, "AFTER_SEQUENCE_NUMBER",
                                StartingSequenceNumber=ordered[1])
        self.assertEqual([x["SequenceNumber"] for x in after], ordered[2:])
        self.assertEqual(self.read_shard("boto-stream", first_shard, "LATEST"), [])

        k.delete_stream(StreamName="boto-stream")
        self.assertNotIn("boto-stream", k.list_streams()["StreamNames"])

    def test_errors_are_modelled_exceptions(self):
        k = self.kinesis
        with self.assertRaises(k.exceptions.ResourceNotFoundException):
            k.describe_stream(StreamName="missing")
        k.create_stream(StreamName="dup", ShardCount=1)
        with self.assertRaises(k.exceptions.ResourceInUseException):
            k.create_stream(StreamName="dup", ShardCount=1)
        with self.assertRaises(k.exceptions.InvalidArgumentException):
            k.get_records(ShardIterator="not-an-iterator")

    def test_default_stream_receives_records(self):
        stream = "streaming-%s-geo" % UID
        r = self.kinesis.put_record(StreamName=stream, Data=b'{"ind": 1}', PartitionKey="partition-1")
        records = self.read_shard(stream, r["ShardId"])
        self.assertEqual([x["Data"] for x in records], [b'{"ind": 1}'])


if __name__ == "__main__":
    SERVER = sys.argv.pop(1)
    unittest.main(verbosity=2)
