"""The fast readers of `service/bulkread.py` agree with the general parsers, and step aside (None) on any
shape they do not fully account for."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from recovery_tui.lab import replconfig
from recovery_tui.lab.bucketmeta import build_zip
from recovery_tui.lab.store import Bucket, LabTarget, Site
from recovery_tui.service import bulkread
from recovery_tui.service.bucketmeta import parse_export
from recovery_tui.service.parsers import parse_remote_targets, parse_replication_config


def _random_config(rng: random.Random) -> bytes:
    rules = []
    for i in range(rng.randint(1, 4)):
        r = replconfig.active_active_rule(f"arn:minio:replication::{rng.getrandbits(64):x}:b{i}",
                                          rule_id=f"id{i}{rng.getrandbits(20):x}", priority=rng.randint(0, 9))
        r.status = rng.choice(("Enabled", "Disabled"))
        r.existing_object_replication = rng.choice(("Enabled", "Disabled", ""))
        r.delete_marker_replication = rng.choice(("Enabled", "Disabled", ""))
        r.delete_replication = rng.choice(("Enabled", "Disabled", ""))
        r.replica_modifications = rng.choice(("Enabled", "Disabled", ""))
        r.filter_prefix = rng.choice(("", "docs/", "a/b/"))
        r.storage_class = rng.choice(("", "STANDARD"))
        rules.append(r)
    return replconfig.render(replconfig.LabConfig(rules=rules))


def test_replication_config_matches_the_general_parser() -> None:
    rng = random.Random(11)
    for _ in range(300):
        xml = _random_config(rng)
        fast = bulkread.replication_config(xml)
        assert fast is not None and fast == parse_replication_config(xml), xml


@pytest.mark.parametrize("xml", [
    b"<ReplicationConfiguration><Rule><ID>a</ID><Status>Enabled</Status><Priority>1</Priority><Destination>"
    b"<Bucket>arn:x</Bucket></Destination><Filter><And><Prefix>p</Prefix><Tag><Key>k</Key><Value>v</Value></Tag>"
    b"</And></Filter></Rule></ReplicationConfiguration>",
    b"<s3:ReplicationConfiguration xmlns:s3='x'><s3:Rule><s3:ID>a</s3:ID></s3:Rule></s3:ReplicationConfiguration>",
    b"<ReplicationConfiguration><Rule><ID>a&amp;b</ID><Status>Enabled</Status></Rule></ReplicationConfiguration>",
    b"<ReplicationConfiguration><Rule><ID>a</ID><Prefix>legacy/</Prefix><Status>Enabled</Status><Destination>"
    b"<Bucket>arn:x</Bucket></Destination></Rule></ReplicationConfiguration>",
])
def test_replication_config_steps_aside_on_other_shapes(xml: bytes) -> None:
    assert bulkread.replication_config(xml) is None


def test_tolerant_path_handles_another_element_order() -> None:
    xml = (b'<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Role></Role><Rule>'
           b"<Destination><Bucket>arn:minio:replication::u:b</Bucket></Destination><Status>Enabled</Status>"
           b"<ID>r1</ID><ExistingObjectReplication><Status>Enabled</Status></ExistingObjectReplication>"
           b"<Priority>3</Priority></Rule></ReplicationConfiguration>")
    assert bulkread.replication_config(xml) == parse_replication_config(xml)


def _site(n: int) -> Site:
    site = Site("source", "AK", "SK")
    for i in range(n):
        name = f"bucket-{i:03d}"
        b = site.buckets[name] = Bucket(name, versioning=("Enabled", "Suspended", "")[i % 3])
        if i % 2:
            b.replication_xml = _random_config(random.Random(i))
        site.targets[name] = [LabTarget(arn=f"arn:minio:replication::u:{name}", source_bucket=name,
                                        endpoint="127.0.0.1:9", target_bucket=name, access_key="AK",
                                        secret_key="never-read-by-the-service")]
    return site


def test_zip_reader_matches_zipfile_on_lab_and_python_zips() -> None:
    body = build_zip(_site(30), sorted(_site(30).buckets))
    zf = zipfile.ZipFile(io.BytesIO(body))
    want = {n: zf.read(n) for n in zf.namelist() if n.endswith(("versioning.xml", "replication.xml"))}
    assert bulkread.zip_entries(body, ("versioning.xml", "replication.xml")) == want
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name, data in want.items():
            out.writestr(name, data)
        out.writestr("x/bucket-targets.json", b"<BucketTargets><SecretAccessKey>s</SecretAccessKey></BucketTargets>")
    assert bulkread.zip_entries(buf.getvalue(), ("versioning.xml", "replication.xml")) == want
    # a name is matched on its last part only: at the top level too, never on a longer name that ends the same
    odd = io.BytesIO()
    with zipfile.ZipFile(odd, "w", compression=zipfile.ZIP_STORED) as out:
        for name in ("versioning.xml", "b/old-versioning.xml", "c/versioning.xml.bak", "d/e/versioning.xml"):
            out.writestr(name, name.encode())
    assert bulkread.zip_entries(odd.getvalue(), ("versioning.xml",)) == {
        "versioning.xml": b"versioning.xml", "d/e/versioning.xml": b"d/e/versioning.xml"}
    assert bulkread.zip_entries(body[:-10], ("versioning.xml",)) is None
    assert bulkread.zip_entries(b"not a zip", ("versioning.xml",)) is None


def test_parse_export_reads_versioning_and_rules_never_targets() -> None:
    site = _site(12)
    metas = parse_export(build_zip(site, sorted(site.buckets)))
    for name, b in site.buckets.items():
        meta = metas.get(name)
        if b.versioning == "" and b.replication_xml is None:
            assert meta is None
            continue
        assert meta.versioning == b.versioning
        assert meta.replication == (parse_replication_config(b.replication_xml) if b.replication_xml else None)


def test_bucket_names_and_remote_targets() -> None:
    xml = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="x"><Owner><ID>o</ID></Owner>'
           b"<Buckets><Bucket><Name>b2</Name><CreationDate>t</CreationDate></Bucket><Bucket><Name>a1</Name>"
           b"<CreationDate>t</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>")
    assert bulkread.bucket_names(xml) == ["a1", "b2"]
    assert bulkread.bucket_names(xml.replace(b"<Bucket><Name>a1", b"<Bucket><X/><Name>a1")) is None
    body = (b'[{"sourcebucket":"a","endpoint":"h:1","credentials":{"accessKey":"k"},"targetbucket":"t",'
            b'"secure":true,"arn":"arn:1","type":"replication","deploymentID":"d"}]')
    [fast] = bulkread.remote_targets(body)
    [full] = parse_remote_targets(body)
    assert (fast.arn, fast.source_bucket, fast.endpoint, fast.target_bucket, fast.secure, fast.deployment_id) == \
        (full.arn, full.source_bucket, full.endpoint, full.target_bucket, full.secure, full.deployment_id)
    assert bulkread.remote_targets(b"null") == [] and bulkread.remote_targets(b"{}") is None
