/*
 * The wall's side of an isolated source (layout: isolate: true).
 *
 * wall_isolate_create() starts a wall-plugin-host child that runs the
 * real plugin, and returns an instance of a stand-in plugin whose
 * callbacks (wall_isolate_plugin()) forward to the child without ever
 * blocking. Pictures come through a page shared with the child and are
 * taken on the render thread (wall_isolate_poll()). A supervisor thread
 * per source reads the child's messages, checks each one, and calls the
 * real host for it; it sends heartbeats,
 * notices at once when the child dies (pidfd), shows why on the tile
 * ("插件崩溃 SIGSEGV"), and starts a new child after the camera's
 * backoff.
 */
#ifndef WALL_ISOLATE_PROXY_H
#define WALL_ISOLATE_PROXY_H

#include <stdint.h>

#include "wall/plugin.h"

struct wall_isolate;
struct wall_layout_source;

/**
 * Start plugin (loaded from plugin_path) for source in a child. Render
 * thread. Returns the stand-in instance; it never fails for the child's
 * sake (a child that cannot start shows as an error slate and is
 * retried), only when no socket or thread can be made (NULL, logged).
 */
struct wall_isolate *wall_isolate_create(const struct wall_host *host, struct wall_source *source,
                                         const struct wall_plugin *plugin, const char *plugin_path,
                                         const struct wall_layout_source *config);

/**
 * Hand the host the pictures the child put in the shared page since the
 * last call. The render thread calls it before it takes a source's
 * frame; it never blocks, and costs no system call when nothing came.
 */
void wall_isolate_poll(struct wall_isolate *isolate);

/** The stand-in's callbacks: the real plugin's description and options, forwarding callbacks. */
const struct wall_plugin *wall_isolate_plugin(struct wall_isolate *isolate);

#endif
