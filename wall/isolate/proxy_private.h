/*
 * What the files of the wall's side of an isolated source share:
 *   proxy.c             the stand-in plugin the wall calls (render thread)
 *   proxy_child.c       one child process: start it, send to it, keep it
 *   proxy_messages.c    check and act on what a child says
 *   proxy_faults.c      why a child ended or counts as hung, and saying so
 *   proxy_supervisor.c  the thread that serves, watches and restarts it
 */
#ifndef WALL_ISOLATE_PROXY_PRIVATE_H
#define WALL_ISOLATE_PROXY_PRIVATE_H

#include <glib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "isolate/ipc.h"
#include "isolate/proxy.h"

/*
 * Heartbeat period, and the silence after which a child counts as hung.
 * The supervisor also collects pictures nobody showed (a hidden source's)
 * at least this often.
 */
#define PING_MS 500
/*
 * How often the child's size is sampled: often under a memory limit, for
 * telling a memory death from others; else only for STATUS.
 */
#define SAMPLE_MS 50
#define SAMPLE_UNLIMITED_MS 1000
#define HANG_MS 3000
/*
 * Before the plugin's create() has returned the child answers nothing;
 * a first GStreamer registry scan alone can take seconds.
 */
#define START_MS 30000
/* The camera's backoff: from 1 s, doubling, to 30 s. */
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000
/* A child that lived this long starts the backoff over. */
#define HEALTHY_MS 30000
/* How long a closing child may take over its plugin's destroy(). */
#define GRACE_MS 300
/*
 * A plugin thread can hang while the child still answers heartbeats (a
 * deadlock in its per-frame code). A source that has been sending video
 * (new pictures at STEADY_WAKES of the supervisor's wakes in a row, each
 * within STEADY_GAP_MS of the one before), is shown, and still says it is
 * live, but then sends no picture for STALE_MS counts as hung. A stream
 * that merely stops says so itself (stalled, offline) long before.
 */
#define STEADY_GAP_MS (3 * PING_MS)
#define STEADY_WAKES 4
#define STALE_MS 10000

/*
 * One child process and the buffers it shared. Frames the renderer still
 * holds keep it (and so the mappings) alive after the child is gone.
 */
struct child {
	gint refcount;
	GMutex lock;
	/* -1 once the child is gone; sends check it under lock. */
	int sock;
	/* Counts the isolate's children from 1. */
	gint number;
	pid_t pid;
	int pidfd;
	/* The page shared with it (isolate/ipc.h), writable by both. */
	struct wall_ipc_shared *shared;
	struct {
		uint8_t *map;
		size_t size;
		/* Which of the memfds made for this index is mapped. */
		uint32_t generation;
		/* The wall shows it: the child must not write it. */
		bool held;
	} pool[WALL_IPC_POOL_MAX];
	/*
	 * Mailbox words taken whose buffer is not mapped yet (its POOL_ADD is
	 * still on the way): frame, then overlay. Under the isolate's host_lock.
	 */
	uint32_t waiting[2];
};

struct wall_isolate {
	struct wall_plugin table;
	const struct wall_host *host;
	struct wall_source *source;
	char *plugin_path;
	char *plugin_name;
	int64_t memory_mb;
	/* The INIT text: name, folder, option pairs. */
	GString *init;
	GThread *thread;
	int wake_fd;
	/* Children started so far. */
	gint children;

	/*
	 * Held around every host call the supervisor makes, so that once
	 * destroy() has set stopping no host call is made any more.
	 */
	GMutex host_lock;
	bool stopping;
	/* Pictures taken from the child's mailbox (not overlays); atomic. */
	guint frames_taken;
	/* The number of the child the render thread found breaking the protocol; atomic. */
	gint violator;

	/* Guards everything below; never held across I/O that can wait. */
	GMutex lock;
	struct child *child;
	bool visible;
	bool visibility_told;
	/* Counts show() and hide(): pictures may pause across either. */
	uint64_t visibility_changes;
	uint32_t view_width_px;
	uint32_t view_height_px;
	/* The child's last status pairs, NUL-separated. */
	GByteArray *status;
	uint64_t restarts;
	uint64_t crashes;
	uint64_t hangs;
	uint64_t memory_kills;
	char *last_exit;
	uint64_t rss_kb;
	uint64_t vm_kb;
	/* What the child had mapped before its plugin ran; memory_mb counts from it. */
	uint64_t base_kb;
	/* Why the running child's create() failed, or NULL. */
	char *create_error;
};

/* What the supervisor knows of the child it runs now. */
struct run {
	struct child *child;
	int64_t started_us;
	int64_t last_ping_us;
	int64_t last_pong_us;
	int64_t last_sample_us;
	uint32_t seq;
	/* create() returned: heartbeats count from here. */
	bool ready;
	/* Killed for missing heartbeats, or for its pictures stopping (stale). */
	bool hung;
	bool stale;
	/* Killed for breaking the protocol. */
	bool violated;
	/*
	 * Pictures (not overlays): frames_taken when last woken, the last wake
	 * that saw new ones, and how many wakes in a row saw them steadily.
	 */
	guint frames_seen;
	int64_t last_frame_us;
	unsigned steady_wakes;
	uint64_t visibility_changes;
	/* The state the plugin last set; INVALID until it sets one. */
	enum wall_source_state state;
};

/* Children (proxy_child.c). */

struct child *child_ref(struct child *child);
/* Accepts NULL. */
void child_unref(struct child *child);
/* Any thread, never blocks: a child that does not read loses the message. */
bool child_send(struct child *child, struct wall_ipc_header header, const void *text,
                size_t text_bytes);
/* Start a child for isolate and send it INIT; NULL (logged) when it cannot start. */
struct child *child_spawn(struct wall_isolate *isolate);
/* Sample the child's size, for telling a memory death from others. */
void child_sample_memory(struct wall_isolate *isolate, pid_t pid);

/* Messages (proxy_messages.c). */

/*
 * Hand the host what the child put in its mailboxes since the last call,
 * checked. Caller holds the isolate's host_lock, any thread. Returns false
 * when the child broke the protocol.
 */
bool child_take_pictures(struct wall_isolate *isolate, struct child *child);

/*
 * Act on one message from child, on the supervisor thread. Returns false
 * when the child broke the protocol; it is then killed, and only its own
 * tile is affected.
 */
bool child_handle(struct wall_isolate *isolate, struct child *child,
                  const struct wall_ipc_message *message, struct run *run);

/* Faults (proxy_faults.c). */

/* Why the child ended, in the tile's words, and the event's kind; counts it. */
char *faults_describe_end(struct wall_isolate *isolate, const siginfo_t *info,
                          const struct run *run, const char **kind);
/* Log, show, count and send as an event the end of child pid. */
void faults_report_end(struct wall_isolate *isolate, const char *reason, const char *kind,
                       pid_t pid, int64_t backoff_ms);

/* The supervisor woke at now_us: did pictures (not overlays) come since its last wake? */
void faults_note_wake(struct wall_isolate *isolate, struct run *run, int64_t now_us);
/* The plugin set state. */
void faults_note_state(struct run *run, enum wall_source_state state);
/* Whether the child's pictures stopped while it says it is live (see STALE_MS). */
bool faults_pictures_stopped(struct wall_isolate *isolate, struct run *run, int64_t now_us);

/* The supervisor thread (proxy_supervisor.c): data is the struct wall_isolate. */
void *supervisor_run(void *data);

#endif
