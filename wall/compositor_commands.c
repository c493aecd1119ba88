/* Pins, tours, alarms, events and status: the control commands' side. */
#include "compositor_private.h"

#include <string.h>

#include "log.h"

void compositor_alarm_free(struct alarm_entry *alarm)
{
	if (alarm != NULL) {
		g_free(alarm->tile_id);
		g_free(alarm);
	}
}

void compositor_add_event(struct wall_compositor *compositor, JsonBuilder *builder)
{
	json_builder_end_object(builder);
	JsonNode *root = json_builder_get_root(builder);
	g_ptr_array_add(compositor->events, json_to_string(root, FALSE));
	json_node_unref(root);
	g_object_unref(builder);
}

JsonBuilder *compositor_event_begin(const char *name)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "event");
	json_builder_add_string_value(builder, name);
	return builder;
}

void compositor_add_string(JsonBuilder *builder, const char *name, const char *value)
{
	json_builder_set_member_name(builder, name);
	if (value != NULL) {
		json_builder_add_string_value(builder, value);
	} else {
		json_builder_add_null_value(builder);
	}
}

static struct tile *find_tile(struct wall_compositor *compositor, const char *id)
{
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		if (strcmp(tile->config->id, id) == 0) {
			return tile;
		}
	}
	return NULL;
}

/* An alarm goes on its own tile if the scene has it, else on the largest. */
static struct tile *alarm_tile(struct wall_compositor *compositor, const char *id)
{
	struct tile *tile = id != NULL ? find_tile(compositor, id) : NULL;
	if (tile != NULL) {
		return tile;
	}
	int64_t best = -1;
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *t = compositor->tiles->pdata[i];
		int64_t area = (int64_t)t->config->rect.width * t->config->rect.height;
		if (area > best) {
			best = area;
			tile = t;
		}
	}
	return tile;
}

void compositor_alarm_event(struct wall_compositor *compositor, const struct alarm_entry *alarm,
                            const char *state)
{
	JsonBuilder *builder = compositor_event_begin("alarm");
	compositor_add_string(builder, "state", state);
	compositor_add_string(builder, "source", alarm->source->name);
	compositor_add_string(builder, "tile",
	                      alarm->tile != NULL ? alarm->tile->config->id : alarm->tile_id);
	compositor_add_event(compositor, builder);
}

/* Put the shown alarm on a tile of the scene on screen. */
void compositor_alarm_place(struct wall_compositor *compositor)
{
	struct alarm_entry *alarm = compositor->alarm;
	if (alarm == NULL || compositor->tiles->len == 0) {
		return;
	}
	alarm->tile = alarm_tile(compositor, alarm->tile_id);
	alarm->tile->alarm = alarm;
	alarm->tile->dirty = true;
}

void compositor_alarm_unplace(struct wall_compositor *compositor)
{
	struct alarm_entry *alarm = compositor->alarm;
	if (alarm != NULL && alarm->tile != NULL) {
		alarm->tile->alarm = NULL;
		alarm->tile->dirty = true;
		alarm->tile = NULL;
	}
}

/* Show the first queued alarm, if any, from now_us. */
void compositor_alarm_next(struct wall_compositor *compositor, int64_t now_us)
{
	if (compositor->alarm_queue->len == 0) {
		return;
	}
	struct alarm_entry *alarm = g_ptr_array_steal_index(compositor->alarm_queue, 0);
	compositor->alarm = alarm;
	alarm->start_us = now_us;
	alarm->end_us = now_us + alarm->duration_us;
	compositor_alarm_place(compositor);
	compositor_alarm_event(compositor, alarm, "start");
}

bool wall_compositor_pin(struct wall_compositor *compositor, const char *tile_id,
                         const struct wall_layout_source *source)
{
	struct tile *tile = find_tile(compositor, tile_id);
	if (tile == NULL) {
		return false;
	}
	tile->pinned = source;
	compositor_sync_slots(compositor);
	return true;
}

void wall_compositor_foreach_pin(struct wall_compositor *compositor, wall_compositor_pin_fn fn,
                                 void *user)
{
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		if (tile->pinned != NULL) {
			fn(user, tile->config->id, tile->pinned->name);
		}
	}
}

enum wall_tour_result wall_compositor_tour(struct wall_compositor *compositor, const char *tile_id,
                                           enum wall_tour_action action, int64_t now_us)
{
	struct tile *tile = find_tile(compositor, tile_id);
	if (tile == NULL) {
		return WALL_TOUR_RESULT_NO_TILE;
	}
	if (tile->config->tour == NULL) {
		return WALL_TOUR_RESULT_NOT_A_TOUR;
	}
	int64_t dwell_us = tile->config->dwell_ms * 1000;
	switch (action) {
	case WALL_TOUR_START:
		tile->tour_running = true;
		tile->tour_paused = false;
		tile->tour_deadline_us = now_us + dwell_us;
		break;
	case WALL_TOUR_STOP:
		tile->tour_running = false;
		tile->tour_paused = false;
		tile->tour_index = 0;
		break;
	case WALL_TOUR_PAUSE:
		if (tile->tour_running && !tile->tour_paused) {
			tile->tour_paused = true;
			tile->tour_left_us = MAX(tile->tour_deadline_us - now_us, 0);
		}
		break;
	case WALL_TOUR_RESUME:
		if (tile->tour_running && tile->tour_paused) {
			tile->tour_paused = false;
			tile->tour_deadline_us = now_us + tile->tour_left_us;
		}
		break;
	case WALL_TOUR_NEXT:
		tile->tour_index = (tile->tour_index + 1) % tile->config->tour->len;
		tile->tour_deadline_us = now_us + dwell_us;
		tile->tour_left_us = dwell_us;
		break;
	default:
		return WALL_TOUR_RESULT_INVALID;
	}
	compositor_sync_slots(compositor);
	return WALL_TOUR_RESULT_OK;
}

int wall_compositor_alarm(struct wall_compositor *compositor, const struct wall_alarm *alarm,
                          int64_t now_us)
{
	struct alarm_entry *entry = g_new0(struct alarm_entry, 1);
	entry->source = alarm->source;
	entry->tile_id = g_strdup(alarm->tile_id);
	entry->duration_us = alarm->duration_ms > 0 ? alarm->duration_ms * 1000 : DEFAULT_ALARM_US;
	entry->priority = alarm->priority;
	entry->seq = ++compositor->alarm_seq;
	/* By priority, then first come first served. */
	guint at = 0;
	while (at < compositor->alarm_queue->len &&
	       ((struct alarm_entry *)compositor->alarm_queue->pdata[at])->priority >=
	               entry->priority) {
		at++;
	}
	g_ptr_array_insert(compositor->alarm_queue, (gint)at, entry);
	if (compositor->alarm == NULL) {
		compositor_alarm_next(compositor, now_us);
		compositor_sync_slots(compositor);
		return 0;
	}
	compositor_alarm_event(compositor, entry, "queued");
	return (int)at + 1;
}

int wall_compositor_alarm_clear(struct wall_compositor *compositor)
{
	int count = (int)compositor->alarm_queue->len;
	for (guint i = 0; i < compositor->alarm_queue->len; i++) {
		compositor_alarm_free(compositor->alarm_queue->pdata[i]);
	}
	g_ptr_array_set_size(compositor->alarm_queue, 0);
	if (compositor->alarm != NULL) {
		count++;
		compositor_alarm_event(compositor, compositor->alarm, "end");
		compositor_alarm_unplace(compositor);
		g_clear_pointer(&compositor->alarm, compositor_alarm_free);
		compositor_sync_slots(compositor);
	}
	return count;
}

static void add_status_pair(void *user, const char *key, const char *value)
{
	compositor_add_string(user, key, value);
}

/* What the slot's source is doing: state, pictures and the plugin's own figures. */
static void describe_slot(struct source_slot *slot, JsonBuilder *builder, int64_t now_us)
{
	compositor_add_string(builder, "state", wall_source_state_name(slot->health.state));
	compositor_add_string(builder, "reason", slot->health.reason);
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

void wall_compositor_describe(struct wall_compositor *compositor, JsonBuilder *builder,
                              int64_t now_us)
{
	json_builder_set_member_name(builder, "tiles");
	json_builder_begin_array(builder);
	for (guint i = 0; i < compositor->tiles->len; i++) {
		struct tile *tile = compositor->tiles->pdata[i];
		struct source_slot *slot = tile->slot;
		json_builder_begin_object(builder);
		compositor_add_string(builder, "id", tile->config->id);
		compositor_add_string(builder, "source", tile->shown->name);
		describe_slot(slot, builder, now_us);
		compositor_add_string(builder, "pinned",
		                      tile->pinned != NULL ? tile->pinned->name : NULL);
		json_builder_set_member_name(builder, "alarm");
		json_builder_add_boolean_value(builder, tile->alarm != NULL);
		if (tile->config->tour != NULL) {
			json_builder_set_member_name(builder, "tour");
			json_builder_begin_object(builder);
			json_builder_set_member_name(builder, "index");
			json_builder_add_int_value(builder, tile->tour_index);
			json_builder_set_member_name(builder, "length");
			json_builder_add_int_value(builder, tile->config->tour->len);
			json_builder_set_member_name(builder, "running");
			json_builder_add_boolean_value(builder, tile->tour_running);
			json_builder_set_member_name(builder, "paused");
			json_builder_add_boolean_value(builder, tile->tour_paused);
			json_builder_set_member_name(builder, "dwell_ms");
			json_builder_add_int_value(builder, tile->config->dwell_ms);
			compositor_add_string(
			        builder, "next",
			        compositor_tour_stop(tile, tile->tour_index + 1)->name);
			json_builder_end_object(builder);
		}
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);

	/* Warm sources no tile shows now: each with the preset tile it waits for. */
	json_builder_set_member_name(builder, "warm");
	json_builder_begin_array(builder);
	for (guint i = 0; i < compositor->warm->len; i++) {
		const struct wall_layout_tile *config = compositor->warm->pdata[i];
		struct source_slot *slot =
		        g_hash_table_lookup(compositor->slots, config->source->name);
		bool shown = false;
		for (guint j = 0; j < compositor->tiles->len && !shown; j++) {
			shown = ((struct tile *)compositor->tiles->pdata[j])->slot == slot;
		}
		if (slot == NULL || shown) {
			continue;
		}
		json_builder_begin_object(builder);
		compositor_add_string(builder, "source", config->source->name);
		describe_slot(slot, builder, now_us);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
}

GPtrArray *wall_compositor_take_events(struct wall_compositor *compositor)
{
	GPtrArray *events = compositor->events;
	compositor->events = g_ptr_array_new_with_free_func(g_free);
	return events;
}
