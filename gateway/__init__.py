"""aquamon gateway: MQTT in, validated, batched, durable in InfluxDB, acknowledged after.

The pure part is :mod:`gateway.validate` (payload -> points or a named reject
reason); :mod:`gateway.service` is the loop around it.
"""

from gateway.validate import SENSOR_RANGES, Reject, parse_topic, validate_message

__all__ = ["Reject", "SENSOR_RANGES", "parse_topic", "validate_message"]
