#include "telemetry.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* Enough for an hour at 1 Hz; older points fall off the start. */
#define TRACK_MAX 4096
/* A position closer than this to the last track point does not extend it. */
#define TRACK_STEP_M 1.0

struct telemetry_store {
	GMutex lock;
	struct telemetry now;
	GArray *route;
	GArray *track;
	uint64_t generation;
	uint64_t refused;
};

struct telemetry_store *telemetry_store_new(void)
{
	struct telemetry_store *store = g_new0(struct telemetry_store, 1);
	g_mutex_init(&store->lock);
	store->now.satellites = -1;
	store->now.waypoint = -1;
	store->route = g_array_new(FALSE, FALSE, sizeof(struct geo_point));
	store->track = g_array_new(FALSE, FALSE, sizeof(struct geo_point));
	return store;
}

void telemetry_store_free(struct telemetry_store *store)
{
	if (store == NULL) {
		return;
	}
	g_array_free(store->route, TRUE);
	g_array_free(store->track, TRUE);
	g_mutex_clear(&store->lock);
	g_free(store);
}

struct telemetry *telemetry_store_begin(struct telemetry_store *store)
{
	g_mutex_lock(&store->lock);
	return &store->now;
}

static bool within(double value, double low, double high)
{
	return isfinite(value) && value >= low && value <= high;
}

static bool on_earth(struct geo_point point)
{
	return within(point.lat_deg, -90, 90) && within(point.lon_deg, -180, 180);
}

/*
 * Forget what no aircraft can report: a battery of 10^22 %, a speed past
 * sound, a NaN. The HUD then shows "—" for it rather than text that runs
 * over its neighbours. Returns how many groups of fields were refused.
 */
static unsigned refuse_impossible(struct telemetry *t)
{
	struct {
		bool *has;
		bool ok;
	} checks[] = {
		{&t->has_position, on_earth(t->position)},
		{&t->has_home, on_earth(t->home)},
		{&t->has_height, within(t->height_m, -TELEMETRY_MAX_ALTITUDE_M,
					TELEMETRY_MAX_ALTITUDE_M)},
		{&t->has_altitude, within(t->altitude_m, -TELEMETRY_MAX_ALTITUDE_M,
					  TELEMETRY_MAX_ALTITUDE_M)},
		{&t->has_speed, within(t->ground_speed_mps, -TELEMETRY_MAX_SPEED_MPS,
				       TELEMETRY_MAX_SPEED_MPS) &&
					within(t->vertical_speed_mps, -TELEMETRY_MAX_SPEED_MPS,
					       TELEMETRY_MAX_SPEED_MPS)},
		{&t->has_attitude, within(t->heading_deg, -720, 720) &&
					   within(t->pitch_deg, -360, 360) &&
					   within(t->roll_deg, -360, 360)},
		{&t->has_gimbal, within(t->gimbal_heading_deg, -720, 720)},
		{&t->has_battery, within(t->battery_percent, 0, 100)},
	};
	unsigned refused = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(checks); i++) {
		if (*checks[i].has && !checks[i].ok) {
			*checks[i].has = false;
			refused++;
		}
	}
	if (t->satellites > TELEMETRY_MAX_SATELLITES || t->satellites < -1) {
		t->satellites = -1;
		refused++;
	}
	if (t->waypoint > TELEMETRY_MAX_WAYPOINT || t->waypoint < -1) {
		t->waypoint = -1;
		refused++;
	}
	return refused;
}

void telemetry_store_commit(struct telemetry_store *store, const char *input, int64_t real_us)
{
	struct telemetry *now = &store->now;
	store->refused += refuse_impossible(now);
	now->updated_real_us = real_us;
	g_strlcpy(now->input, input, sizeof(now->input));
	if (now->has_position) {
		bool moved = true;
		if (store->track->len > 0) {
			struct geo_point last =
				g_array_index(store->track, struct geo_point, store->track->len - 1);
			moved = geo_distance_m(last, now->position) >= TRACK_STEP_M;
		}
		if (moved) {
			if (store->track->len >= TRACK_MAX) {
				g_array_remove_range(store->track, 0, TRACK_MAX / 4);
			}
			g_array_append_val(store->track, now->position);
		}
	}
	store->generation++;
	g_mutex_unlock(&store->lock);
}

void telemetry_store_set_route(struct telemetry_store *store, const struct geo_point *points,
			       unsigned count)
{
	g_mutex_lock(&store->lock);
	g_array_set_size(store->route, 0);
	g_array_append_vals(store->route, points, count);
	store->generation++;
	g_mutex_unlock(&store->lock);
}

uint64_t telemetry_store_refused(struct telemetry_store *store)
{
	g_mutex_lock(&store->lock);
	uint64_t refused = store->refused;
	g_mutex_unlock(&store->lock);
	return refused;
}

uint64_t telemetry_store_generation(struct telemetry_store *store)
{
	g_mutex_lock(&store->lock);
	uint64_t generation = store->generation;
	g_mutex_unlock(&store->lock);
	return generation;
}

static GArray *copy_points(GArray *points)
{
	GArray *copy = g_array_sized_new(FALSE, FALSE, sizeof(struct geo_point), points->len);
	g_array_append_vals(copy, points->data, points->len);
	return copy;
}

void telemetry_store_view(struct telemetry_store *store, struct telemetry_view *view)
{
	g_mutex_lock(&store->lock);
	view->now = store->now;
	view->route = copy_points(store->route);
	view->track = copy_points(store->track);
	g_mutex_unlock(&store->lock);
}

void telemetry_view_clear(struct telemetry_view *view)
{
	if (view->route != NULL) {
		g_array_free(view->route, TRUE);
	}
	if (view->track != NULL) {
		g_array_free(view->track, TRUE);
	}
	view->route = NULL;
	view->track = NULL;
}

bool telemetry_is_stale(const struct telemetry *telemetry, int64_t interval_ms,
			int64_t now_real_us)
{
	if (telemetry->updated_real_us == 0) {
		return true;
	}
	return now_real_us - telemetry->updated_real_us > 3 * interval_ms * 1000;
}

double geo_distance_m(struct geo_point a, struct geo_point b)
{
	/* Haversine on a sphere of the Earth's mean radius: metres off over
	 * kilometres, which a dispatch map never shows. */
	const double radius_m = 6371008.8;
	double lat1 = a.lat_deg * G_PI / 180.0;
	double lat2 = b.lat_deg * G_PI / 180.0;
	double dlat = lat2 - lat1;
	double dlon = (b.lon_deg - a.lon_deg) * G_PI / 180.0;
	double h = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1) * cos(lat2) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * radius_m * asin(sqrt(MIN(1.0, h)));
}

GArray *telemetry_parse_route(const char *json, char **error)
{
	JsonParser *parser = json_parser_new();
	GError *parse_error = NULL;
	GArray *points = NULL;
	if (!json_parser_load_from_data(parser, json, -1, &parse_error)) {
		*error = g_strdup_printf("route is not JSON: %s", parse_error->message);
		g_error_free(parse_error);
		goto out;
	}
	JsonNode *root = json_parser_get_root(parser);
	if (!JSON_NODE_HOLDS_ARRAY(root)) {
		*error = g_strdup("route must be a list of [latitude, longitude] points");
		goto out;
	}
	JsonArray *array = json_node_get_array(root);
	points = g_array_new(FALSE, FALSE, sizeof(struct geo_point));
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *node = json_array_get_element(array, i);
		JsonArray *pair = JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
		bool numbers = pair != NULL && json_array_get_length(pair) == 2;
		for (guint j = 0; numbers && j < 2; j++) {
			JsonNode *value = json_array_get_element(pair, j);
			/* The layout's YAML scalars come through as text. */
			numbers = JSON_NODE_HOLDS_VALUE(value);
		}
		struct geo_point point = {0};
		if (numbers) {
			JsonNode *lat = json_array_get_element(pair, 0);
			JsonNode *lon = json_array_get_element(pair, 1);
			point.lat_deg = json_node_get_value_type(lat) == G_TYPE_STRING
						? g_ascii_strtod(json_node_get_string(lat), NULL)
						: json_node_get_double(lat);
			point.lon_deg = json_node_get_value_type(lon) == G_TYPE_STRING
						? g_ascii_strtod(json_node_get_string(lon), NULL)
						: json_node_get_double(lon);
		}
		if (!numbers || fabs(point.lat_deg) > 90 || fabs(point.lon_deg) > 180 ||
		    (point.lat_deg == 0 && point.lon_deg == 0)) {
			*error = g_strdup_printf("route point %u is not [latitude, longitude]",
						 i + 1);
			g_array_free(points, TRUE);
			points = NULL;
			goto out;
		}
		g_array_append_val(points, point);
	}
out:
	g_object_unref(parser);
	return points;
}
