#include "osd.h"

#include <json-glib/json-glib.h>
#include <math.h>

/* The aircraft's mode_code, in the words of DJI's own pilot app. */
static const struct {
	const char *word;
	enum mode_class class;
} aircraft_modes[] = {
	{"待机", MODE_CLASS_IDLE},         {"起飞准备", MODE_CLASS_IDLE},
	{"准备完毕", MODE_CLASS_IDLE},     {"手动飞行", MODE_CLASS_NORMAL},
	{"自动起飞", MODE_CLASS_NORMAL},   {"航线飞行", MODE_CLASS_NORMAL},
	{"全景拍照", MODE_CLASS_NORMAL},   {"智能跟随", MODE_CLASS_NORMAL},
	{"ADS-B 躲避", MODE_CLASS_NORMAL}, {"自动返航", MODE_CLASS_RETURN},
	{"自动降落", MODE_CLASS_LANDING},  {"强制降落", MODE_CLASS_LANDING},
	{"三桨叶降落", MODE_CLASS_LANDING}, {"升级中", MODE_CLASS_IDLE},
	{"未连接", MODE_CLASS_IDLE},       {"APAS", MODE_CLASS_NORMAL},
	{"虚拟摇杆", MODE_CLASS_NORMAL},   {"指令飞行", MODE_CLASS_NORMAL},
};

/* The dock's mode_code. */
static const char *const dock_modes[] = {
	"空闲", "现场调试", "远程调试", "固件升级", "作业中",
};

static bool member_double(JsonObject *object, const char *name, double *value)
{
	JsonNode *node = json_object_get_member(object, name);
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node)) {
		return false;
	}
	GType type = json_node_get_value_type(node);
	if (type != G_TYPE_DOUBLE && type != G_TYPE_INT64) {
		return false;
	}
	*value = json_node_get_double(node);
	return isfinite(*value);
}

static JsonObject *member_object(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);
	return node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/* The first payload's gimbal_yaw: DJI keys payloads by "type-subtype-index". */
static bool gimbal_yaw(JsonObject *data, double *yaw)
{
	JsonNode *payloads = json_object_get_member(data, "payloads");
	if (payloads != NULL && JSON_NODE_HOLDS_ARRAY(payloads)) {
		JsonArray *array = json_node_get_array(payloads);
		for (guint i = 0; i < json_array_get_length(array); i++) {
			JsonNode *node = json_array_get_element(array, i);
			if (JSON_NODE_HOLDS_OBJECT(node) &&
			    member_double(json_node_get_object(node), "gimbal_yaw", yaw)) {
				return true;
			}
		}
	}
	GList *members = json_object_get_members(data);
	bool found = false;
	for (GList *l = members; l != NULL && !found; l = l->next) {
		JsonObject *payload = member_object(data, l->data);
		found = payload != NULL && member_double(payload, "gimbal_yaw", yaw);
	}
	g_list_free(members);
	return found;
}

static void apply_dock(JsonObject *data, struct telemetry *telemetry)
{
	double value;
	if (member_double(data, "mode_code", &value) && value >= 0 &&
	    value < G_N_ELEMENTS(dock_modes)) {
		g_strlcpy(telemetry->hangar, dock_modes[(int)value], sizeof(telemetry->hangar));
	}
	double lat;
	double lon;
	/* The hangar is where the aircraft takes off and comes home to. */
	if (member_double(data, "latitude", &lat) && member_double(data, "longitude", &lon) &&
	    (lat != 0 || lon != 0)) {
		telemetry->has_home = true;
		telemetry->home.lat_deg = lat;
		telemetry->home.lon_deg = lon;
	}
}

static void apply_aircraft(JsonObject *data, struct telemetry *telemetry)
{
	double value;
	double lat;
	double lon;
	if (member_double(data, "latitude", &lat) && member_double(data, "longitude", &lon) &&
	    (lat != 0 || lon != 0)) {
		telemetry->has_position = true;
		telemetry->position.lat_deg = lat;
		telemetry->position.lon_deg = lon;
	}
	/* DJI's "height" is above the ellipsoid, "elevation" above take-off. */
	if (member_double(data, "height", &value)) {
		telemetry->has_altitude = true;
		telemetry->altitude_m = value;
	}
	if (member_double(data, "elevation", &value)) {
		telemetry->has_height = true;
		telemetry->height_m = value;
	}
	if (member_double(data, "horizontal_speed", &value)) {
		telemetry->has_speed = true;
		telemetry->ground_speed_mps = value;
	}
	if (member_double(data, "vertical_speed", &value)) {
		telemetry->has_speed = true;
		telemetry->vertical_speed_mps = value;
	}
	if (member_double(data, "attitude_head", &value)) {
		telemetry->has_attitude = true;
		telemetry->heading_deg = value < 0 ? value + 360.0 : value;
	}
	if (member_double(data, "attitude_pitch", &value)) {
		telemetry->pitch_deg = value;
	}
	if (member_double(data, "attitude_roll", &value)) {
		telemetry->roll_deg = value;
	}
	if (gimbal_yaw(data, &value)) {
		telemetry->has_gimbal = true;
		telemetry->gimbal_heading_deg = value < 0 ? value + 360.0 : value;
	}
	JsonObject *battery = member_object(data, "battery");
	if (battery != NULL && member_double(battery, "capacity_percent", &value)) {
		telemetry->has_battery = true;
		telemetry->battery_percent = value;
	}
	if (member_double(data, "mode_code", &value) && value >= 0 &&
	    value < G_N_ELEMENTS(aircraft_modes)) {
		g_strlcpy(telemetry->mode, aircraft_modes[(int)value].word, sizeof(telemetry->mode));
		telemetry->mode_class = aircraft_modes[(int)value].class;
	}
	JsonObject *position = member_object(data, "position_state");
	if (position != NULL) {
		double gps = -1;
		double rtk = -1;
		double fixed = 0;
		member_double(position, "gps_number", &gps);
		member_double(position, "rtk_number", &rtk);
		member_double(position, "is_fixed", &fixed);
		/* is_fixed 2 is an RTK fixed solution. */
		telemetry->rtk = fixed >= 2 && rtk > 0;
		/* Clamped only to convert safely: the store refuses what is past. */
		telemetry->satellites =
			(int)CLAMP(telemetry->rtk ? rtk : gps, -2, TELEMETRY_MAX_SATELLITES + 1);
	}
	double home_lat;
	double home_lon;
	if (member_double(data, "home_latitude", &home_lat) &&
	    member_double(data, "home_longitude", &home_lon) && (home_lat != 0 || home_lon != 0)) {
		telemetry->has_home = true;
		telemetry->home.lat_deg = home_lat;
		telemetry->home.lon_deg = home_lon;
	}
	if (member_double(data, "waypoint_index", &value)) {
		telemetry->waypoint = (int)CLAMP(value, -2, TELEMETRY_MAX_WAYPOINT + 1);
	}
	/* A dock's state may ride along in the aircraft's message. */
	JsonObject *dock = member_object(data, "dock");
	if (dock != NULL) {
		apply_dock(dock, telemetry);
	}
}

bool osd_apply(struct telemetry_store *store, const char *json, gssize length, const char *input,
	       bool use_timestamp, const char **why)
{
	JsonParser *parser = json_parser_new();
	bool ok = false;
	if (!json_parser_load_from_data(parser, json, length, NULL)) {
		*why = "not JSON";
		goto out;
	}
	JsonNode *root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		*why = "not a JSON object";
		goto out;
	}
	JsonObject *envelope = json_node_get_object(root);
	JsonObject *data = member_object(envelope, "data");
	if (data == NULL) {
		data = envelope;
	}
	double timestamp_ms = 0;
	member_double(envelope, "timestamp", &timestamp_ms);
	int64_t real_us = use_timestamp && timestamp_ms > 0 ? (int64_t)(timestamp_ms * 1000.0)
							    : g_get_real_time();
	/* A dock reports its cover and whether the aircraft sits inside. */
	bool is_dock = json_object_has_member(data, "cover_state") ||
		       json_object_has_member(data, "drone_in_dock");
	struct telemetry *telemetry = telemetry_store_begin(store);
	if (is_dock) {
		apply_dock(data, telemetry);
	} else {
		apply_aircraft(data, telemetry);
	}
	telemetry_store_commit(store, input, real_us);
	ok = true;
out:
	g_object_unref(parser);
	return ok;
}
