"""Telematics client: contract bundles over MQTT with mutual TLS."""
