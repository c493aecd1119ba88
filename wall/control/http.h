/*
 * --http HOST:PORT: the wall's figures for monitoring tools, served by
 * libsoup on the control thread.
 *
 *   /metrics      Prometheus text format (names below)
 *   /api/cameras  every camera of the layout as JSON
 *   /api/report   the inspection report's figures as JSON (?day=D by
 *                 hour, ?from=D&to=D by day; inspection/report.h), read
 *                 from the state file on the control thread
 *
 * Same trust rules as --listen: beyond loopback it needs --token-file,
 * and with a token every request must carry "Authorization: Bearer TOKEN"
 * (else 401).
 *
 * Metrics: wall_camera_online{source,district,town} (1 online, 0 offline
 * or unknown), wall_camera_known{source} (0 while the wall cannot know),
 * wall_camera_since_seconds{source} (Unix time of the last change),
 * wall_camera_fps{source} (cameras on screen or warm),
 * wall_online_rate{district} (0..1 over today, district="all" for the
 * whole wall), wall_frames_total, wall_late_frames_total and
 * wall_render_seconds{quantile}.
 */
#ifndef WALL_CONTROL_HTTP_H
#define WALL_CONTROL_HTTP_H

#include <glib.h>

#include "inspection/camera_health.h"

struct wall_http;

/**
 * Listen on address ("HOST:PORT") in the calling thread's default main
 * context. token may be NULL (then address must be loopback). cameras must
 * outlive the server. NULL with error set when it cannot listen.
 */
struct wall_http *wall_http_start(const char *address, const char *token,
                                  struct wall_camera_health *cameras, GError **error);
/** Accepts NULL. */
void wall_http_stop(struct wall_http *http);

struct wall_stats;
/** Publish the frame counters /metrics serves. Render thread (it owns stats). */
void wall_http_publish_stats(const struct wall_stats *stats);

#endif
