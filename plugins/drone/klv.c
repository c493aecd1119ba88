#include "klv.h"

#include <string.h>

static const uint8_t uas_local_set_key[16] = {
	0x06, 0x0e, 0x2b, 0x34, 0x02, 0x0b, 0x01, 0x01,
	0x0e, 0x01, 0x03, 0x01, 0x01, 0x00, 0x00, 0x00,
};

enum {
	TAG_CHECKSUM = 1,
	TAG_TIMESTAMP = 2,
	TAG_PLATFORM_HEADING = 5,
	TAG_PLATFORM_PITCH = 6,
	TAG_PLATFORM_ROLL = 7,
	TAG_SENSOR_LATITUDE = 13,
	TAG_SENSOR_LONGITUDE = 14,
	TAG_SENSOR_ALTITUDE = 15,
	TAG_SENSOR_AZIMUTH = 18,
};

uint16_t klv_checksum(const uint8_t *bytes, size_t size)
{
	uint16_t sum = 0;
	for (size_t i = 0; i < size; i++) {
		sum = (uint16_t)(sum + (bytes[i] << (8 * ((i + 1) % 2))));
	}
	return sum;
}

/* A BER length (short or long form); false when it runs past end. */
static bool read_ber(const uint8_t **at, const uint8_t *end, size_t *value)
{
	if (*at >= end) {
		return false;
	}
	uint8_t first = *(*at)++;
	if (first < 0x80) {
		*value = first;
		return true;
	}
	unsigned count = first & 0x7f;
	if (count == 0 || count > sizeof(size_t) || (size_t)(end - *at) < count) {
		return false;
	}
	*value = 0;
	for (unsigned i = 0; i < count; i++) {
		*value = *value << 8 | *(*at)++;
	}
	return true;
}

/* A big-endian unsigned integer of size bytes. */
static uint64_t be(const uint8_t *p, size_t size)
{
	uint64_t value = 0;
	for (size_t i = 0; i < size; i++) {
		value = value << 8 | p[i];
	}
	return value;
}

static void read_item(unsigned tag, const uint8_t *value, size_t length,
		      struct klv_reading *reading)
{
	/* Each item has one size in the standard; any other is ignored. */
	switch (tag) {
	case TAG_TIMESTAMP:
		if (length == 8) {
			reading->has_time = true;
			reading->time_us = be(value, 8);
		}
		break;
	case TAG_PLATFORM_HEADING:
		if (length == 2) {
			reading->has_heading = true;
			reading->heading_deg = (double)be(value, 2) * 360.0 / 65535.0;
		}
		break;
	case TAG_PLATFORM_PITCH:
		/* 0x8000 means "out of range". */
		if (length == 2 && be(value, 2) != 0x8000) {
			reading->has_pitch = true;
			reading->pitch_deg = (int16_t)be(value, 2) * 40.0 / 65534.0;
		}
		break;
	case TAG_PLATFORM_ROLL:
		if (length == 2 && be(value, 2) != 0x8000) {
			reading->has_roll = true;
			reading->roll_deg = (int16_t)be(value, 2) * 100.0 / 65534.0;
		}
		break;
	case TAG_SENSOR_LATITUDE:
		if (length == 4 && be(value, 4) != 0x80000000u) {
			reading->has_position = true;
			reading->lat_deg = (int32_t)be(value, 4) * 180.0 / 4294967294.0;
		}
		break;
	case TAG_SENSOR_LONGITUDE:
		if (length == 4 && be(value, 4) != 0x80000000u) {
			reading->lon_deg = (int32_t)be(value, 4) * 360.0 / 4294967294.0;
		}
		break;
	case TAG_SENSOR_ALTITUDE:
		if (length == 2) {
			reading->has_altitude = true;
			reading->altitude_m = (double)be(value, 2) * 19900.0 / 65535.0 - 900.0;
		}
		break;
	case TAG_SENSOR_AZIMUTH:
		if (length == 4) {
			reading->has_sensor_azimuth = true;
			reading->sensor_azimuth_deg = (double)be(value, 4) * 360.0 / 4294967295.0;
		}
		break;
	default:
		break;
	}
}

size_t klv_parse(const uint8_t *data, size_t size, struct klv_reading *reading,
		 const char **why)
{
	memset(reading, 0, sizeof(*reading));
	if (size < sizeof(uas_local_set_key) + 1 ||
	    memcmp(data, uas_local_set_key, sizeof(uas_local_set_key)) != 0) {
		*why = "not a UAS Datalink Local Set";
		return 0;
	}
	const uint8_t *end = data + size;
	const uint8_t *at = data + sizeof(uas_local_set_key);
	size_t length;
	if (!read_ber(&at, end, &length) || (size_t)(end - at) < length) {
		*why = "packet cut short";
		return 0;
	}
	const uint8_t *packet_end = at + length;
	bool checked = false;
	bool has_longitude = false;
	while (at < packet_end) {
		/* Tags below 128 are one byte; longer BER-OID tags are skipped. */
		unsigned tag = 0;
		do {
			tag = tag << 7 | (*at & 0x7f);
		} while (*at++ & 0x80 && at < packet_end);
		size_t item_length;
		if (!read_ber(&at, packet_end, &item_length) ||
		    (size_t)(packet_end - at) < item_length) {
			*why = "item runs past the packet";
			return 0;
		}
		if (tag == TAG_CHECKSUM) {
			/* The sum covers everything up to the checksum's value. */
			if (item_length != 2 || at + 2 != packet_end) {
				*why = "checksum is not the last item";
				return 0;
			}
			if (klv_checksum(data, (size_t)(at - data)) != be(at, 2)) {
				*why = "bad checksum";
				return 0;
			}
			checked = true;
		} else {
			read_item(tag, at, item_length, reading);
			has_longitude = has_longitude || tag == TAG_SENSOR_LONGITUDE;
		}
		at += item_length;
	}
	if (!checked) {
		*why = "no checksum";
		return 0;
	}
	reading->has_position = reading->has_position && has_longitude;
	return (size_t)(packet_end - data);
}

bool klv_apply(const struct klv_reading *reading, struct telemetry *telemetry)
{
	bool any = false;
	if (reading->has_position) {
		telemetry->has_position = true;
		telemetry->position.lat_deg = reading->lat_deg;
		telemetry->position.lon_deg = reading->lon_deg;
		any = true;
	}
	if (reading->has_altitude) {
		telemetry->has_altitude = true;
		telemetry->altitude_m = reading->altitude_m;
		any = true;
	}
	if (reading->has_heading) {
		telemetry->has_attitude = true;
		telemetry->heading_deg = reading->heading_deg;
		any = true;
	}
	if (reading->has_pitch) {
		telemetry->pitch_deg = reading->pitch_deg;
		any = true;
	}
	if (reading->has_roll) {
		telemetry->roll_deg = reading->roll_deg;
		any = true;
	}
	if (reading->has_sensor_azimuth && reading->has_heading) {
		double gimbal = reading->heading_deg + reading->sensor_azimuth_deg;
		telemetry->has_gimbal = true;
		telemetry->gimbal_heading_deg = gimbal >= 360.0 ? gimbal - 360.0 : gimbal;
		any = true;
	}
	return any;
}
