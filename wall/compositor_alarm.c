#include "compositor_alarm.h"

#include "compositor_events.h"

/* The alarm border flashes at 1 Hz: on half a second, off half a second. */
#define ALARM_FLASH_US 500000
#define DEFAULT_ALARM_US (30 * G_USEC_PER_SEC)

static void alarm_free(struct alarm_entry *alarm)
{
	if (alarm != NULL) {
		g_free(alarm->tile_id);
		g_free(alarm);
	}
}

void compositor_alarms_init(struct alarms *alarms, GPtrArray *events, GPtrArray *tiles)
{
	*alarms = (struct alarms){
	        .queue = g_ptr_array_new_with_free_func((GDestroyNotify)alarm_free),
	        .events = events,
	        .tiles = tiles,
	};
}

void compositor_alarms_finish(struct alarms *alarms)
{
	g_clear_pointer(&alarms->shown, alarm_free);
	g_ptr_array_free(alarms->queue, TRUE);
}

static void alarm_event(struct alarms *alarms, const struct alarm_entry *alarm, const char *state)
{
	JsonBuilder *builder = compositor_event_begin("alarm");
	wall_json_set_string(builder, "state", state);
	wall_json_set_string(builder, "source", alarm->source->name);
	wall_json_set_string(builder, "tile",
	                       alarm->tile != NULL ? alarm->tile->config->id : alarm->tile_id);
	compositor_event_end(alarms->events, builder);
}

/* An alarm goes on its own tile if the scene has it, else on the largest. */
static struct tile *alarm_tile(GPtrArray *tiles, const char *id)
{
	struct tile *tile = id != NULL ? compositor_tile_find(tiles, id) : NULL;
	if (tile != NULL) {
		return tile;
	}
	int64_t best = -1;
	for (guint i = 0; i < tiles->len; i++) {
		struct tile *t = tiles->pdata[i];
		int64_t area = (int64_t)t->config->rect.width * t->config->rect.height;
		if (area > best) {
			best = area;
			tile = t;
		}
	}
	return tile;
}

void compositor_alarms_place(struct alarms *alarms)
{
	struct alarm_entry *alarm = alarms->shown;
	if (alarm == NULL || alarms->tiles->len == 0) {
		return;
	}
	alarm->tile = alarm_tile(alarms->tiles, alarm->tile_id);
	alarm->tile->alarm_source = alarm->source;
	alarm->tile->dirty = true;
}

void compositor_alarms_unplace(struct alarms *alarms)
{
	struct alarm_entry *alarm = alarms->shown;
	if (alarm != NULL && alarm->tile != NULL) {
		alarm->tile->alarm_source = NULL;
		alarm->tile->dirty = true;
		alarm->tile = NULL;
	}
}

/* Show the first queued alarm, if any, from now_us. */
static void show_next(struct alarms *alarms, int64_t now_us)
{
	if (alarms->queue->len == 0) {
		return;
	}
	struct alarm_entry *alarm = g_ptr_array_steal_index(alarms->queue, 0);
	alarms->shown = alarm;
	alarm->start_us = now_us;
	alarm->end_us = now_us + alarm->duration_us;
	compositor_alarms_place(alarms);
	alarm_event(alarms, alarm, "start");
}

/* The shown alarm ends: an event, and its tile goes back to what it showed. */
static void end_shown(struct alarms *alarms)
{
	alarm_event(alarms, alarms->shown, "end");
	compositor_alarms_unplace(alarms);
	g_clear_pointer(&alarms->shown, alarm_free);
}

int compositor_alarms_push(struct alarms *alarms, const struct wall_alarm *alarm, int64_t now_us)
{
	struct alarm_entry *entry = g_new0(struct alarm_entry, 1);
	entry->source = alarm->source;
	entry->tile_id = g_strdup(alarm->tile_id);
	entry->duration_us = alarm->duration_ms > 0 ? alarm->duration_ms * 1000 : DEFAULT_ALARM_US;
	entry->priority = alarm->priority;
	entry->seq = ++alarms->seq;
	/* By priority, then first come first served. */
	guint at = 0;
	while (at < alarms->queue->len &&
	       ((struct alarm_entry *)alarms->queue->pdata[at])->priority >= entry->priority) {
		at++;
	}
	g_ptr_array_insert(alarms->queue, (gint)at, entry);
	if (alarms->shown == NULL) {
		show_next(alarms, now_us);
		return 0;
	}
	alarm_event(alarms, entry, "queued");
	return (int)at + 1;
}

int compositor_alarms_clear(struct alarms *alarms)
{
	int count = (int)alarms->queue->len;
	g_ptr_array_set_size(alarms->queue, 0);
	if (alarms->shown != NULL) {
		count++;
		end_shown(alarms);
	}
	return count;
}

bool compositor_alarms_end_source(struct alarms *alarms, const char *source, int64_t now_us)
{
	for (guint i = alarms->queue->len; i > 0; i--) {
		const struct alarm_entry *queued = alarms->queue->pdata[i - 1];
		if (g_strcmp0(queued->source->name, source) == 0) {
			g_ptr_array_remove_index(alarms->queue, i - 1);
		}
	}
	if (alarms->shown == NULL || g_strcmp0(alarms->shown->source->name, source) != 0) {
		return false;
	}
	end_shown(alarms);
	show_next(alarms, now_us);
	return true;
}

bool compositor_alarms_expire(struct alarms *alarms, int64_t now_us)
{
	if (alarms->shown == NULL || now_us < alarms->shown->end_us) {
		return false;
	}
	end_shown(alarms);
	show_next(alarms, now_us);
	return true;
}

void compositor_alarms_flash(struct alarms *alarms, int64_t now_us)
{
	struct alarm_entry *alarm = alarms->shown;
	if (alarm == NULL || alarm->tile == NULL) {
		return;
	}
	bool lit = (now_us - alarm->start_us) / ALARM_FLASH_US % 2 == 0;
	if (lit != alarm->tile->alarm_lit) {
		alarm->tile->alarm_lit = lit;
		alarm->tile->dirty = true;
	}
}
