/* Every camera of the layout, shown or not, handed to the camera health once a second. */
#include "compositor.h"
#include "compositor_events.h"
#include "compositor_private.h"
#include "inspection/inspection.h"
#include "json_write.h"
#include "plugin_registry.h"

static bool is_camera(struct wall_plugin_registry *registry,
                      const struct wall_layout_source *config)
{
	if (config->plugin_error != NULL || registry == NULL) {
		return false;
	}
	const char *why = NULL;
	const struct wall_plugin *plugin = wall_plugin_registry_get(registry, config->plugin, &why);
	return plugin != NULL && plugin->kind == WALL_PLUGIN_KIND_CAMERA;
}

/*
 * Connecting says nothing new: a camera that was offline and retries is
 * still offline, one never seen is still unknown. Stalled is connected and
 * counts online until the plugin gives up and says offline.
 */
static bool camera_state(enum wall_source_state state, enum wall_camera_state *camera)
{
	switch (state) {
	case WALL_SOURCE_STATE_LIVE:
	case WALL_SOURCE_STATE_STALLED:
		*camera = WALL_CAMERA_ONLINE;
		return true;
	case WALL_SOURCE_STATE_OFFLINE:
	case WALL_SOURCE_STATE_ERROR:
		*camera = WALL_CAMERA_OFFLINE;
		return true;
	default:
		return false;
	}
}

static void see_camera(struct wall_compositor *compositor, struct wall_camera_health *health,
                       struct wall_inspection *inspection, const struct wall_layout_source *config,
                       int64_t now_real_us)
{
	struct wall_camera_seen seen = {
	        .source = config->name,
	        .district = config->district,
	        .town = config->town,
	        .state = WALL_CAMERA_UNKNOWN,
	        .reason = "not shown or kept warm",
	        .since_us = now_real_us,
	        .fps = -1,
	        .bitrate_kbps = -1,
	        .reconnects = -1,
	};
	const struct source_slot *slot = g_hash_table_lookup(compositor->slots, config->name);
	if (slot != NULL) {
		seen.running = true;
		seen.fps = slot->fps;
		wall_inspection_status_figures(slot->source, &seen.bitrate_kbps, &seen.reconnects);
		seen.undecided = !camera_state(slot->health.state, &seen.state);
		seen.reason = slot->health.reason != NULL && slot->health.reason[0] != '\0'
		                      ? slot->health.reason
		                      : wall_source_state_name(slot->health.state);
		seen.since_us =
		        slot->health.since_real_us > 0 ? slot->health.since_real_us : now_real_us;
	}
	wall_camera_health_see(health, &seen);
	if (inspection != NULL) {
		wall_inspection_see(inspection, config, slot != NULL,
		                    slot != NULL && slot->health.state == WALL_SOURCE_STATE_LIVE,
		                    seen.reason);
	}
	/* The live picture of a camera on screen or warm: checked on the health
	 * thread, by reference, never copied. */
	struct wall_frame_ref *picture = slot != NULL ? slot->current : NULL;
	if (picture != NULL && seen.state == WALL_CAMERA_ONLINE &&
	    wall_camera_health_wants_picture(health, config->name, g_get_monotonic_time())) {
		wall_camera_health_check_picture(health, config->name, wall_frame_ref_ref(picture));
	}
}

void wall_compositor_observe_cameras(struct wall_compositor *compositor,
                                     struct wall_camera_health *health,
                                     struct wall_inspection *inspection, int64_t now_real_us)
{
	if (compositor->layout == NULL || health == NULL) {
		return;
	}
	compositor->cameras = health;
	wall_camera_health_begin(health);
	if (inspection != NULL) {
		wall_inspection_begin(inspection, &compositor->layout->inspection);
	}
	for (guint i = 0; i < compositor->layout->sources->len; i++) {
		const struct wall_layout_source *config = compositor->layout->sources->pdata[i];
		if (is_camera(compositor->registry, config)) {
			see_camera(compositor, health, inspection, config, now_real_us);
		}
	}
	wall_camera_health_end(health, now_real_us);
	if (inspection != NULL) {
		wall_inspection_end(inspection);
	}
}

void compositor_json_since(JsonBuilder *builder, int64_t real_us)
{
	json_builder_set_member_name(builder, "since");
	GDateTime *time =
	        real_us > 0 ? g_date_time_new_from_unix_local(real_us / G_USEC_PER_SEC) : NULL;
	if (time == NULL) {
		json_builder_add_null_value(builder);
		return;
	}
	char *text = g_date_time_format_iso8601(time);
	json_builder_add_string_value(builder, text);
	g_free(text);
	g_date_time_unref(time);
}

static void describe_camera(void *user, const struct wall_camera_seen *camera)
{
	JsonBuilder *builder = user;
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "source", camera->source);
	wall_json_set_string(builder, "district", camera->district);
	wall_json_set_string(builder, "town", camera->town);
	wall_json_set_string(builder, "state", wall_camera_state_name(camera->state));
	wall_json_set_string(builder, "reason", camera->reason);
	compositor_json_since(builder, camera->since_us);
	json_builder_end_object(builder);
}

void compositor_describe_cameras(struct wall_compositor *compositor, JsonBuilder *builder)
{
	json_builder_set_member_name(builder, "cameras");
	json_builder_begin_array(builder);
	if (compositor->cameras != NULL) {
		wall_camera_health_foreach(compositor->cameras, describe_camera, builder);
	}
	json_builder_end_array(builder);
}
