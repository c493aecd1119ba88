/*
 * The inspection scheduler (视频巡检): on a thread of its own, it visits
 * every camera of the layout once per period (wall.inspection.every), at
 * most concurrency at once, and judges a few seconds of its pictures
 * (inspection/visit.h). What a visit finds goes to the camera health,
 * which keeps it (inspection_results) and publishes it.
 *
 * A camera that runs now (on screen or kept warm) is not opened again:
 * the render thread hands the visit references to the pictures it already
 * has (wall_inspection_feed), no copy. Any other camera is opened for the
 * visit through its own plugin, on its sub stream when it has one (the
 * camera's sub option takes the place of its url), and closed after. A
 * camera that cannot be opened, or gives no picture within open_timeout,
 * is no_signal, and offline with the plugin's reason.
 *
 * Visits wait their turn in layout order; a camera's next visit falls one
 * period after its last began.
 */
#ifndef WALL_INSPECTION_INSPECTION_H
#define WALL_INSPECTION_INSPECTION_H

#include <stdbool.h>
#include <stdint.h>

#include "inspection/camera_health.h"
#include "inspection/config.h"
#include "layout.h"

struct wall_inspection;
struct wall_plugin_registry;
struct wall_frame_ref;

/** health and registry must outlive it. Starts its thread, idle until a config enables it. */
struct wall_inspection *wall_inspection_new(struct wall_camera_health *health,
                                            struct wall_plugin_registry *registry);
/** Ends the visits under way (their cameras closed, nothing recorded). Accepts NULL. */
void wall_inspection_destroy(struct wall_inspection *inspection);

/**
 * The cameras of the layout, once a second: begin with the layout's
 * settings, one see() per camera (config is copied when new or changed;
 * running: its plugin runs now; online: it shows pictures), then end().
 * Cameras not seen leave. Render thread; no I/O.
 */
void wall_inspection_begin(struct wall_inspection *inspection,
                           const struct wall_inspection_config *config);
void wall_inspection_see(struct wall_inspection *inspection,
                         const struct wall_layout_source *config, bool running, bool online,
                         const char *reason);
void wall_inspection_end(struct wall_inspection *inspection);

/** True while a visit wants live pictures: cheap, once a frame. Any thread. */
bool wall_inspection_wants_live(struct wall_inspection *inspection);

typedef struct wall_frame_ref *(*wall_inspection_picture_fn)(void *user, const char *source,
                                                             uint64_t after_seq, double *fps);
/**
 * For every visit of a running camera that is due a picture, call
 * picture(user, source, after_seq, &fps): a new reference to the newest
 * picture newer than after_seq, or NULL. Render thread; no I/O.
 */
void wall_inspection_feed(struct wall_inspection *inspection, int64_t now_us,
                          wall_inspection_picture_fn picture, void *user);

struct wall_source;
/** A camera plugin's bitrate_kbps and reconnects from its status; -1 when it has none. */
void wall_inspection_status_figures(struct wall_source *source, double *bitrate_kbps,
                                    double *reconnects);

/** Visits finished since the start (tests, bench). Any thread. */
unsigned wall_inspection_visits(struct wall_inspection *inspection);

#endif
