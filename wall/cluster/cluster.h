/*
 * One wall over several machines: each render node runs a wall process
 * that draws its viewport, and the nodes share commands, state and a
 * heartbeat through an MQTT broker (Mosquitto).
 *
 * Topics under the prefix of wall.cluster (mqtt://host:port/PREFIX):
 *   PREFIX/cmd            every command that changes the wall, QoS 1, in the
 *                         broker's order; each carries a deadline on the
 *                         shared clock
 *   PREFIX/state          retained: the wall state (scene, pins, preset,
 *                         saved presets) as the last command left it
 *   PREFIX/node/NAME      retained: NAME's heartbeat, once a second; its
 *                         will marks it offline
 *   PREFIX/presented/NAME which command NAME presented, on which frame, when
 *   PREFIX/shown/NAME     the capture time of each new picture on a tile
 *                         that spans nodes, per frame
 *
 * The shared clock is the system clock (CLOCK_REALTIME, g_get_real_time()),
 * which chrony or PTP keeps in step across the machines; each node's
 * offset from it is estimated from the heartbeats and shown in STATUS.
 *
 * Threads: libmosquitto's own thread receives and reconnects; everything
 * else here is called from the render thread, unless it says otherwise.
 */
#ifndef WALL_CLUSTER_H
#define WALL_CLUSTER_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

struct wall_cluster;

struct wall_cluster_options {
	/** wall.cluster: mqtt://host:port/PREFIX. */
	const char *url;
	/** This node's name (--node). */
	const char *node;
	/** Every node of the layout, NULL-terminated, so STATUS lists the silent ones too. */
	const char *const *nodes;
	/** The broker's password (user "wall"); required unless the broker is on loopback. */
	const char *token;
	/** The frame period the nodes present at, for the deadline margin. */
	int64_t period_us;
};

/** A command as the broker delivered it. */
struct wall_cluster_command {
	/** The node it was given at, and that node's run and number for it. */
	char *node;
	uint64_t run;
	uint64_t seq;
	/** Who asked, at that node. */
	char *peer;
	/** The request as typed: one line, or a batch's lines and COMMIT. */
	char *text;
	/** Present on the first frame whose time is at or after this, shared clock. */
	int64_t deadline_us;
	/** Given at this node, in this run. */
	bool own;
	/** When this node got it from the broker, shared clock. */
	int64_t received_us;
};

void wall_cluster_command_free(struct wall_cluster_command *command);

/**
 * Connect in the background (and reconnect whenever the broker goes away).
 * NULL with error set for a bad URL, or no token for a broker beyond
 * loopback.
 */
struct wall_cluster *wall_cluster_create(const struct wall_cluster_options *options,
                                         GError **error);
/** Accepts NULL. */
void wall_cluster_destroy(struct wall_cluster *cluster);

/** The shared clock, in microseconds. Any thread. */
int64_t wall_cluster_now_us(void);

/**
 * Send a command through the broker; every node, this one included,
 * gets it back from there. *seq is its number, to match it when it comes
 * back. False with error set when no broker is reachable.
 */
bool wall_cluster_send(struct wall_cluster *cluster, const char *peer, const char *text,
                       uint64_t *seq, GError **error);
/**
 * The next command in broker order whose deadline is at or before
 * slot_us (the time of the frame about to be drawn), or NULL.
 */
struct wall_cluster_command *wall_cluster_take_due(struct wall_cluster *cluster, int64_t slot_us);
/**
 * The wall state another run left on the broker, when it came before any
 * command since this node (re)connected: the state to catch up with.
 * NULL when there is none to take. g_free it.
 */
char *wall_cluster_take_state(struct wall_cluster *cluster);
/** Leave json (control_state_json's shape) on the broker as the wall's state. */
void wall_cluster_publish_state(struct wall_cluster *cluster, const char *json);
/** Tell the others a command was presented: json is an object with the node's name added. */
void wall_cluster_publish_presented(struct wall_cluster *cluster, const char *json);
/**
 * Say which pictures a frame showed on tiles that span nodes (on
 * PREFIX/shown/NAME), so both halves can be checked for one moment.
 */
void wall_cluster_publish_shown(struct wall_cluster *cluster, const char *json);
/** Once a frame: the heartbeat goes out once a second. */
void wall_cluster_tick(struct wall_cluster *cluster, uint64_t frame, const char *scene);

const char *wall_cluster_node(struct wall_cluster *cluster);
/** When this node last connected to the broker, shared clock; 0 for never. Any thread. */
int64_t wall_cluster_connected_us(struct wall_cluster *cluster);
/** Add "cluster": {...every node, its last heartbeat and clock offset} to out. */
void wall_cluster_describe(struct wall_cluster *cluster, JsonBuilder *out);

/**
 * The time of the frame slot nearest to mono_us, on the shared clock, for
 * a wall presenting every period_us: slots are whole multiples of the
 * period on the shared clock, so every node's frames start together.
 */
int64_t wall_cluster_slot_us(int64_t mono_us, int64_t period_us);
/** The monotonic time of the shared-clock slot after mono_us (next frame's deadline). */
int64_t wall_cluster_next_slot_mono_us(int64_t mono_us, int64_t period_us);

#endif
