/* The render thread's side of inspection: live pictures for visits, and the offline alarm. */
#include "compositor.h"
#include "compositor_private.h"
#include "compositor_slot.h"
#include "inspection/inspection.h"

static struct wall_frame_ref *live_picture(void *user, const char *source, uint64_t after_seq,
                                           double *fps)
{
	struct wall_compositor *compositor = user;
	const struct source_slot *slot = g_hash_table_lookup(compositor->slots, source);
	const struct wall_frame_ref *picture = slot != NULL ? compositor_slot_picture(slot) : NULL;
	/* A warm source decodes key frames only: its rate says nothing of the camera. */
	*fps = slot != NULL && slot->shown ? slot->fps : -1;
	if (picture == NULL || picture->seq <= after_seq) {
		return NULL;
	}
	return wall_frame_ref_ref((struct wall_frame_ref *)picture);
}

void wall_compositor_feed_inspection(struct wall_compositor *compositor,
                                     struct wall_inspection *inspection, int64_t now_us)
{
	if (inspection != NULL && wall_inspection_wants_live(inspection)) {
		wall_inspection_feed(inspection, now_us, live_picture, compositor);
	}
}

struct offline_scan {
	int64_t now_real_us;
	int64_t after_us;
	/* Names offline long enough, and names back. */
	GPtrArray *long_offline;
	GHashTable *offline;
};

static void scan_camera(void *user, const struct wall_camera_seen *camera)
{
	struct offline_scan *scan = user;
	if (camera->state != WALL_CAMERA_OFFLINE) {
		return;
	}
	g_hash_table_add(scan->offline, g_strdup(camera->source));
	if (scan->now_real_us - camera->since_us >= scan->after_us) {
		g_ptr_array_add(scan->long_offline, g_strdup(camera->source));
	}
}

void wall_compositor_alarm_offline(struct wall_compositor *compositor,
                                   struct wall_camera_health *health, int64_t now_us)
{
	if (health == NULL || compositor->layout == NULL) {
		return;
	}
	const struct wall_inspection_config *config = &compositor->layout->inspection;
	int64_t alarm_offline_ms = config->enabled ? config->alarm_offline_ms : 0;
	if ((alarm_offline_ms <= 0 && compositor->offline_alarms == NULL)) {
		return;
	}
	if (compositor->offline_alarms == NULL) {
		compositor->offline_alarms =
		        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	}
	struct offline_scan scan = {
	        .now_real_us = g_get_real_time(),
	        .after_us = alarm_offline_ms > 0 ? alarm_offline_ms * 1000 : G_MAXINT64 / 2,
	        .long_offline = g_ptr_array_new_with_free_func(g_free),
	        .offline = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
	};
	wall_camera_health_foreach(health, scan_camera, &scan);
	/* Back online (or no longer offline, or gone): its alarm ends. */
	GHashTableIter iter;
	void *key;
	g_hash_table_iter_init(&iter, compositor->offline_alarms);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (!g_hash_table_contains(scan.offline, key)) {
			wall_compositor_alarm_end(compositor, key, now_us);
			g_hash_table_iter_remove(&iter);
		}
	}
	for (guint i = 0; i < scan.long_offline->len; i++) {
		const char *name = scan.long_offline->pdata[i];
		const struct wall_layout_source *source =
		        wall_layout_find_source(compositor->layout, name);
		if (source == NULL || g_hash_table_contains(compositor->offline_alarms, name)) {
			continue;
		}
		/* Shown until it is back; a day is only the longest one alarm lasts. */
		struct wall_alarm alarm = {
		        .source = source,
		        .duration_ms = 24LL * 3600 * 1000,
		};
		wall_compositor_alarm(compositor, &alarm, now_us);
		g_hash_table_add(compositor->offline_alarms, g_strdup(name));
	}
	g_ptr_array_unref(scan.long_offline);
	g_hash_table_destroy(scan.offline);
}
