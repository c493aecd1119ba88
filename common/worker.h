/*
 * A thread of its own with its own GLib main context and loop: where a
 * plugin (or the wall's control server) keeps its sockets, timers and
 * pipelines, so nothing it waits on ever blocks the render thread.
 */
#ifndef WALL_WORKER_H
#define WALL_WORKER_H

#include <glib.h>
#include <stdbool.h>

struct wall_worker;

/** Called on the worker's thread with the user pointer given to wall_worker_start(). */
typedef void (*wall_worker_fn)(void *user);

/**
 * A worker with its main context made but no thread yet: the owner keeps
 * the pointer before the thread can need it. Never fails.
 */
struct wall_worker *wall_worker_new(void);

/**
 * Start the thread, called name, running the context, pushed as the
 * thread's default so GIO and GStreamer attach there. start(user) runs
 * first on that thread, before any source; finish(user) runs last, after
 * the loop has stopped and with the context still the default, to tear
 * down what start made. Either may be NULL. Call it once.
 */
void wall_worker_start(struct wall_worker *worker, const char *name, wall_worker_fn start,
                       wall_worker_fn finish, void *user);

/**
 * Stop the loop at its next turn (pending sources of lower priority do not
 * run), run finish, join the thread and free the worker, started or not.
 * Any thread but the worker's own. Accepts NULL.
 */
void wall_worker_stop(struct wall_worker *worker);

/** The worker's context, to attach sources to from any thread. */
GMainContext *wall_worker_context(const struct wall_worker *worker);

/**
 * Run fn(user) once on the worker's thread, after delay_ms (0: as soon as
 * it is idle). Any thread. Returns the source, which the caller owns and
 * may destroy to cancel, when keep is true; else NULL.
 */
GSource *wall_worker_post(struct wall_worker *worker, GSourceFunc fn, void *user, unsigned delay_ms,
                          bool keep);

#endif
