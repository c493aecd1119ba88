/*
 * A wall of 2x2 monitors drawn by four wall processes (nodes a, b, c, d of
 * tests/layouts/cluster-2x2.yaml), headless at 25 fps, through a real
 * Mosquitto on loopback; and an observer on the broker that collects what
 * each node says it presented. Shared by the cluster test and its benchmark.
 */
#ifndef WALL_TEST_CLUSTER_RIG_H
#define WALL_TEST_CLUSTER_RIG_H

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#define RIG_NODES 4

struct cluster_rig {
	int port;
	GSubprocess *broker;
	char *layout;
	GSubprocess *nodes[RIG_NODES];
	char *sockets[RIG_NODES];
	char *states[RIG_NODES];
	/* When each node was last started, shared clock. */
	int64_t started_us[RIG_NODES];
	struct mosquitto *observer;
	/* JsonObject *: presented and caught-up events, as they came. */
	GAsyncQueue *events;
	/* JsonObject *: what each node showed on tiles across nodes (PREFIX/shown/NAME). */
	GAsyncQueue *shown;
};

extern const char *const rig_names[RIG_NODES];
/** Nodes log errors only (the benchmark's table stays readable). */
extern bool rig_quiet;
/** The layout under tests/layouts/ (default cluster-2x2.yaml). */
extern const char *rig_layout_name;
/** Put in for ":8554/" in the layout (a camera server's port), or NULL. */
extern const char *rig_camera_port;
/** Without wall.capture_delay: the newest picture at once, for a comparison. */
extern bool rig_no_capture_delay;

/**
 * Start the broker, the observer and the four nodes; false (test skipped)
 * without mosquitto. Without clustered, the layout loses wall.cluster: four
 * nodes that know nothing of each other, as four unrelated walls.
 */
bool rig_start(struct cluster_rig *rig, bool clustered);
void rig_finish(struct cluster_rig *rig);
/** Start node i (again); it is ready once its control socket answers. */
void rig_node_start(struct cluster_rig *rig, int i);
/** Kill node i at once (SIGKILL), as a power cut would. */
void rig_node_kill(struct cluster_rig *rig, int i);
void rig_broker_stop(struct cluster_rig *rig);
/** The broker again, on the same port. */
void rig_broker_start(struct cluster_rig *rig);

/** Send line to node i; the reply line, without its newline (g_free it). */
char *rig_ask(struct cluster_rig *rig, int i, const char *line);
/** Send line to node i; it must answer OK: the JSON object (json_object_unref it). */
JsonObject *rig_ask_ok(struct cluster_rig *rig, int i, const char *line);
/** Wait until every running node lists every node online in STATUS; false on timeout. */
bool rig_wait_all_online(struct cluster_rig *rig, int timeout_s);
/** Forget the events seen so far. */
void rig_drain(struct cluster_rig *rig);
/**
 * Wait until count nodes have presented text; their presentation times
 * (shared clock) go to presented_us in node order as they come. False on
 * timeout.
 */
bool rig_wait_presented(struct cluster_rig *rig, const char *text, int count, int timeout_s,
                        int64_t *presented_us);
/**
 * The same, with each node's frame slot, and whether the command reached
 * it after its deadline.
 */
bool rig_wait_presented_slots(struct cluster_rig *rig, const char *text, int count, int timeout_s,
                              int64_t *presented_us, int64_t *slot_us, bool *late);
/** Wait for node's next event of kind ("caught-up"); a new reference or NULL on timeout. */
JsonObject *rig_wait_event(struct cluster_rig *rig, const char *kind, const char *node,
                           int timeout_s);

#endif
