/*
 * The drone's state as the telemetry inputs last said it, whatever the
 * input (MQTT OSD JSON, MAVLink, KLV), plus the planned route and the
 * track flown so far. Inputs write it from their own threads under the
 * store's lock; the overlay thread copies it out to draw.
 */
#ifndef DRONE_TELEMETRY_H
#define DRONE_TELEMETRY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The widest values a reading may carry; past them a field is refused
 * (shown as unknown) and counted, see telemetry_store_refused().
 * Percentages must lie in 0..100 and positions on the Earth.
 */
#define TELEMETRY_MAX_ALTITUDE_M 100000.0
#define TELEMETRY_MAX_SPEED_MPS 1000.0
#define TELEMETRY_MAX_SATELLITES 255
#define TELEMETRY_MAX_WAYPOINT 65535

/* How a flight mode is shown: return-to-home and landing stand out. */
enum mode_class {
	MODE_CLASS_INVALID = 0,
	MODE_CLASS_NORMAL,
	MODE_CLASS_IDLE,
	MODE_CLASS_RETURN,
	MODE_CLASS_LANDING,
};

struct geo_point {
	double lat_deg;
	double lon_deg;
};

/* One reading. A has_* flag says whether its fields were ever set. */
struct telemetry {
	bool has_position;
	struct geo_point position;
	/* Above the take-off point, and above sea level. */
	bool has_height;
	double height_m;
	bool has_altitude;
	double altitude_m;
	bool has_speed;
	double ground_speed_mps;
	double vertical_speed_mps;
	bool has_attitude;
	double heading_deg;
	double pitch_deg;
	double roll_deg;
	bool has_gimbal;
	double gimbal_heading_deg;
	bool has_battery;
	double battery_percent;
	/* "", or a short word: "航线飞行", "RTL", ... */
	char mode[32];
	enum mode_class mode_class;
	/* The hangar's state, "" when unknown. */
	char hangar[32];
	/* Satellites in use; -1 when unknown. */
	int satellites;
	bool rtk;
	bool has_home;
	struct geo_point home;
	/* The waypoint flown to, counted from 0; -1 when unknown. */
	int waypoint;
	/* Wall-clock time (µs since the epoch) of the last update; 0 for never. */
	int64_t updated_real_us;
	/* Which input spoke last: "MQTT", "MAVLink", "KLV", "file". */
	char input[16];
};

/* A copy taken for drawing. Free with telemetry_view_clear(). */
struct telemetry_view {
	struct telemetry now;
	/* struct geo_point each. */
	GArray *route;
	GArray *track;
};

struct telemetry_store;

struct telemetry_store *telemetry_store_new(void);
/** Accepts NULL. */
void telemetry_store_free(struct telemetry_store *store);

/**
 * Lock the store and return its reading for an input to change. Every
 * field the input knows it sets; the others keep their last values.
 */
struct telemetry *telemetry_store_begin(struct telemetry_store *store);
/**
 * Unlock after telemetry_store_begin(). Impossible values are refused
 * first (see TELEMETRY_MAX_ALTITUDE_M). The reading is marked updated at
 * real_us by input, and its position joins the track when it moved.
 */
void telemetry_store_commit(struct telemetry_store *store, const char *input, int64_t real_us);

/** How many fields were refused as impossible (out of range, NaN) so far. */
uint64_t telemetry_store_refused(struct telemetry_store *store);

/** Replace the planned route (points copied). Any thread. */
void telemetry_store_set_route(struct telemetry_store *store, const struct geo_point *points,
			       unsigned count);
/** Bumps whenever anything changed, for cheap "redraw?" checks. */
uint64_t telemetry_store_generation(struct telemetry_store *store);
/** Copy everything out. */
void telemetry_store_view(struct telemetry_store *store, struct telemetry_view *view);
void telemetry_view_clear(struct telemetry_view *view);

/**
 * Whether a reading updated at updated_real_us is stale at now_real_us:
 * never updated, or silent for three expected intervals.
 */
bool telemetry_is_stale(const struct telemetry *telemetry, int64_t interval_ms,
			int64_t now_real_us);

/** Great-circle distance in metres. */
double geo_distance_m(struct geo_point a, struct geo_point b);

/**
 * A route from the layout: JSON text of [[lat, lon], ...]. Returns NULL
 * with *error set (g_free it) when it is not that shape.
 */
GArray *telemetry_parse_route(const char *json, char **error);

#endif
