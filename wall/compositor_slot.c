#include "compositor_slot.h"

#include "compositor_events.h"
#include "json_write.h"
#include "log.h"

/* How long tile fps is averaged over. */
#define FPS_WINDOW_US G_USEC_PER_SEC

struct source_slot *compositor_slot_create(const struct wall_layout_source *config,
                                           struct wall_plugin_registry *registry)
{
	struct source_slot *slot = g_new0(struct source_slot, 1);
	slot->config = config;
	slot->source = wall_source_create(config, registry);
	slot->health_generation = wall_source_health_generation(slot->source);
	wall_source_get_health(slot->source, &slot->health);
	return slot;
}

void compositor_slot_destroy(struct source_slot *slot, struct wall_renderer *renderer)
{
	wall_source_destroy(slot->source);
	renderer->impl->texture_finish(renderer, &slot->texture);
	wall_frame_ref_unref(slot->current);
	wall_frame_ref_unref(slot->pending);
	renderer->impl->texture_finish(renderer, &slot->overlay_texture);
	wall_frame_ref_unref(slot->overlay_current);
	wall_frame_ref_unref(slot->overlay_pending);
	g_free(slot->health.reason);
	g_free(slot);
}

void compositor_slot_take(struct source_slot *slot, int64_t now_us)
{
	struct wall_frame_ref *ref = wall_source_take_frame_due(slot->source, now_us);
	slot->fresh = ref != NULL;
	if (ref != NULL) {
		wall_frame_ref_unref(slot->pending);
		slot->pending = ref;
		slot->last_frame_us = now_us;
		slot->fps_window_frames++;
	}
	if (slot->fps_window_us == 0) {
		slot->fps_window_us = now_us;
	} else if (now_us - slot->fps_window_us >= FPS_WINDOW_US) {
		slot->fps = slot->fps_window_frames * (double)G_USEC_PER_SEC /
		            (double)(now_us - slot->fps_window_us);
		slot->fps_window_us = now_us;
		slot->fps_window_frames = 0;
	}
	struct wall_frame_ref *overlay = NULL;
	slot->overlay_fresh = wall_source_take_overlay(slot->source, &overlay);
	if (slot->overlay_fresh) {
		wall_frame_ref_unref(slot->overlay_pending);
		slot->overlay_pending = overlay;
		slot->overlay_waiting = true;
	}
	uint64_t generation = wall_source_health_generation(slot->source);
	if (generation != slot->health_generation) {
		g_free(slot->health.reason);
		wall_source_get_health(slot->source, &slot->health);
		slot->health_generation = slot->health.generation;
	}
}

const struct wall_frame_ref *compositor_slot_picture(const struct source_slot *slot)
{
	return slot->pending != NULL ? slot->pending : slot->current;
}

void compositor_slot_upload(struct source_slot *slot, struct wall_renderer *renderer)
{
	if (slot->pending == NULL) {
		return;
	}
	if (!renderer->impl->upload(renderer, &slot->texture, &slot->pending->frame)) {
		wall_log(WALL_LOG_WARNING, "%s: cannot draw frames of format %d",
		         wall_source_get_name(slot->source), slot->pending->frame.format);
	}
	/* The soft renderer reads the planes at draw time: the old picture
	 * goes only now that the texture points at the new one. */
	wall_frame_ref_unref(slot->current);
	slot->current = slot->pending;
	slot->pending = NULL;
}

void compositor_slot_draw_overlay(struct source_slot *slot, const struct wall_rect *rect,
                                  struct wall_renderer *renderer)
{
	if (slot->overlay_waiting) {
		slot->overlay_waiting = false;
		if (slot->overlay_pending != NULL) {
			renderer->impl->upload(renderer, &slot->overlay_texture,
			                       &slot->overlay_pending->frame);
		} else {
			renderer->impl->texture_finish(renderer, &slot->overlay_texture);
		}
		/* As for pictures: soft reads the planes at draw time. */
		wall_frame_ref_unref(slot->overlay_current);
		slot->overlay_current = g_steal_pointer(&slot->overlay_pending);
	}
	if (slot->overlay_current == NULL) {
		return;
	}
	const struct wall_frame *frame = &slot->overlay_current->frame;
	struct wall_crop crop = {0, 0, frame->width_px, frame->height_px};
	renderer->impl->draw(renderer, &slot->overlay_texture, &crop, rect, 1.0f);
}

static void add_status_pair(void *user, const char *key, const char *value)
{
	wall_json_set_string(user, key, value);
}

void compositor_slot_describe(struct source_slot *slot, JsonBuilder *builder, int64_t now_us)
{
	wall_json_set_string(builder, "state", wall_source_state_name(slot->health.state));
	wall_json_set_string(builder, "reason", slot->health.reason);
	compositor_json_since(builder, slot->health.since_real_us);
	json_builder_set_member_name(builder, "fps");
	json_builder_add_double_value(builder, (double)(int64_t)(slot->fps * 10.0 + 0.5) / 10.0);
	json_builder_set_member_name(builder, "age_ms");
	if (slot->last_frame_us != 0) {
		json_builder_add_int_value(builder, (now_us - slot->last_frame_us) / 1000);
	} else {
		json_builder_add_null_value(builder);
	}
	json_builder_set_member_name(builder, "status");
	json_builder_begin_object(builder);
	wall_source_status(slot->source, add_status_pair, builder);
	json_builder_end_object(builder);
}
