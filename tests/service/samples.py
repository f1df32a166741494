"""Verbatim samples (S1-S7) and derived payloads from shared/minio-wire-facts.md, as test inputs."""

from __future__ import annotations

S1_MC_EXPORT = """{
  "Role" :"",
  "Rules": [
    {
      "Status": "Enabled",
      "Priority": 1,
      "DeleteMarkerReplication": { "Status": "Disabled" },
      "DeleteReplication": { "Status": "Disabled" },
      "Filter" : {
        "And": {
            "Prefix": "Tax",
            "Tags": [
                {
                "Key": "Year",
                "Value": "2019"
                },
                {
                "Key": "Company",
                "Value": "AcmeCorp"
                }
            ]
        }
      },
      "Destination": {
        "Bucket": "arn:minio:replication:us-east-1:c5be6b16-769d-432a-9ef1-4567081f3566:destbucket",
        "StorageClass": "STANDARD"
      },
      "SourceSelectionCriteria": {
        "ReplicaModifications": {
          "Status": "Enabled"
        }
      }
    }
  ]
}"""

S2_XML = (
    '<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Role></Role><Rule><Status>Enabled'
    "</Status><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><DeleteReplication><Status>"
    "Disabled</Status></DeleteReplication><Prefix>key-prefix</Prefix><Destination><Bucket>arn:minio:replication:::"
    "destinationbucket</Bucket></Destination></Rule><Rule><Status>Enabled</Status><Priority>3</Priority>"
    "<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><DeleteReplication><Status>Disabled"
    "</Status></DeleteReplication><Prefix>key-prefix</Prefix><Destination><Bucket>arn:minio:replication:::"
    "destinationbucket2</Bucket></Destination></Rule></ReplicationConfiguration>"
)

S3_ERROR = """<?xml version="1.0" encoding="UTF-8"?>
<Error>
   <Code>AccessDenied</Code>
   <Message>Access Denied</Message>
   <BucketName>bucketName</BucketName>
   <Key>objectName</Key>
   <RequestId>F19772218238A85A</RequestId>
   <HostId>GuWkjyviSiGHizehqpmsD1ndz5NClSP19DOT+s2mv7gXGQ8/X1lhbDGiIJEXpGFD</HostId>
</Error>"""

# §1 derived example (ARN UUID filled in: the facts file elides it with "…").
ARN = "arn:minio:replication::5a2f0c1e-7b1d-4c55-9d0a-3f1c2b4e6a77:dst"
S1_DERIVED_XML = (
    "<ReplicationConfiguration><Rule><ID>cr1</ID><Status>Enabled</Status><Priority>1</Priority>"
    "<DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication><DeleteReplication><Status>Enabled"
    f"</Status></DeleteReplication><Destination><Bucket>{ARN}</Bucket></Destination><SourceSelectionCriteria>"
    "<ReplicaModifications><Status>Enabled</Status></ReplicaModifications></SourceSelectionCriteria><Filter><Prefix>"
    "</Prefix></Filter><ExistingObjectReplication><Status>Enabled</Status></ExistingObjectReplication></Rule><Role>"
    "</Role></ReplicationConfiguration>"
)

RESYNC_START = (
    '{"target":[{"arn":"%s","resetid":"7c3e9a51-0d7b-4a8e-9d1c-2b1f7e6a5d40","startTime":"0001-01-01T00:00:00Z",'
    '"endTime":"0001-01-01T00:00:00Z","completedReplicationSize":0,"failedReplicationSize":0,'
    '"failedReplicationCount":0,"replicationCount":0}]}\n' % ARN
)

RESYNC_STATUS = (
    '{"target":[{"arn":"%s","resetid":"7c3e9a51","startTime":"2025-05-01T10:00:00.123Z",'
    '"endTime":"2025-05-01T10:00:01.456Z","resyncStatus":"Ongoing","completedReplicationSize":2469606195,'
    '"failedReplicationSize":0,"failedReplicationCount":0,"replicationCount":18,"bucket":"data",'
    '"object":"path/obj"}]}' % ARN
)

BUCKET_TARGETS = (
    '[{"sourcebucket":"src","endpoint":"127.0.0.1:9002","credentials":{"accessKey":"repluser",'
    '"expiration":"0001-01-01T00:00:00Z"},"targetbucket":"dst","secure":false,"path":"auto","api":"s3v4",'
    '"arn":"%s","type":"replication","bandwidthlimit":100000000,"replicationSync":false,'
    '"healthCheckDuration":60000000000,"disableProxy":false,"resetBeforeDate":"2025-05-01T10:00:00Z",'
    '"resetID":"7c3e","totalDowntime":1500000000,"lastOnline":"2025-05-01T09:59:00.5Z","isOnline":true,'
    '"latency":{"curr":2000000,"avg":1000000,"max":5000000},"deploymentID":"","edge":false,'
    '"edgeSyncBeforeExpiry":false,"offlineCount":2}]' % ARN
)

METRICS_V2 = """{"uptime":3600,"currStats":{"Stats":{"%s":{"completedReplicationSize":1024,"replicaSize":0,
"failed":{"lastMinute":{"count":1,"bytes":10},"lastHour":{"count":4,"bytes":40},"totals":{"count":9,"bytes":90}},
"replicationCount":12,"replicationLatency":{"UploadHistogram":[]},"limitInBits":100000000,"currentBandwidth":512.5,
"pendingReplicationSize":0,"failedReplicationSize":0,"pendingReplicationCount":0,"failedReplicationCount":0}},
"completedReplicationSize":1024,"replicaSize":2048,
"failed":{"lastMinute":{"count":1,"bytes":10},"lastHour":{"count":5,"bytes":50},"totals":{"count":11,"bytes":110},
"errCounts":{"AccessDenied":2}},"replicationCount":12,"replicaCount":7,
"queued":{"curr":{"count":3,"bytes":300},"avg":{"count":1.5,"bytes":150},"max":{"count":8,"bytes":800}},
"pendingReplicationSize":0,"failedReplicationSize":0,"pendingReplicationCount":0,"failedReplicationCount":0},
"queueStats":{"nodes":[{"nodeName":"n1","uptime":3600,"activeWorkers":{"curr":2,"avg":1.5,"max":4}}],"uptime":3600},
"proxyStats":{"getProxyTotal":0}}
""" % ARN

DIFF_LINE = (
    '{"object":"a/b.txt","versionId":"478efe49-aa9d-46ab-8268-45b70cc4c341","targets":{"%s":{"rStatus":"FAILED"}},'
    '"rStatus":"FAILED","replTimestamp":"2025-05-01T10:00:00Z","lastModified":"2025-05-01T09:59:58.123Z",'
    '"deletemarker":false}' % ARN
)

JSON_ERROR_REMOTE = (
    '{"Code":"XMinioAdminReplicationRemoteConnectionError","Message":"Remote service connection error (Remote '
    'service endpoint offline, target bucket: dst or remote service credentials: repl invalid \\n\\t…)",'
    '"BucketName":"src","Resource":"/src","RequestId":"17A2","HostId":"dd9025bab4ad"}\n'
)

S7_ENCRYPTED = (
    "828aa81599df0651c0461adb82283e8b89956baee9f6e719947ef9cddc849028001dc9d3ac0938f66b07bacc9751437e1985f8a9763c240e81"
)


def xml_error(code: str, message: str, resource: str = "/src") -> bytes:
    """An S3 XML error body as `writeErrorResponse` writes it (§A)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message><BucketName>src'
        "</BucketName><Resource>%s</Resource><RequestId>17A2</RequestId><HostId>dd90</HostId></Error>"
        % (code, message, resource)
    ).encode()


def json_error(code: str, message: str, resource: str = "/src") -> bytes:
    """A JSON error body as `writeErrorResponseJSON` writes it (§B), trailing newline included."""
    import json

    return (
        json.dumps({"Code": code, "Message": message, "BucketName": "src", "Resource": resource,
                    "RequestId": "17A2", "HostId": "dd90"}, separators=(",", ":")) + "\n"
    ).encode()
