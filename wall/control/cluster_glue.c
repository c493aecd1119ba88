/*
 * The render thread's side of a wall over several machines: commands that
 * change the wall go through the broker and land, on every node, on the
 * first frame at or after their deadline; a node that joins late takes
 * the state the broker keeps.
 */
#include "control_private.h"

#include <string.h>

#include "cluster/cluster.h"
#include "json_write.h"
#include "log.h"

/* An own command that never came back from the broker is answered ERR after this long. */
#define SENT_TIMEOUT_US (10 * G_USEC_PER_SEC)
/* As compositor_alarm.c: an alarm without FOR shows this long. */
#define DEFAULT_ALARM_US (30 * G_USEC_PER_SEC)

struct sent_request {
	struct wall_request *request;
	int64_t sent_us;
};

struct cluster_alarm {
	char *source;
	char *tile;
	int priority;
	/* Until when it shows, on the shared clock. */
	int64_t until_us;
};

static void sent_free(void *data)
{
	struct sent_request *sent = data;
	wall_request_free(sent->request);
	g_free(sent);
}

static void alarm_free(void *data)
{
	struct cluster_alarm *alarm = data;
	g_free(alarm->source);
	g_free(alarm->tile);
	g_free(alarm);
}

bool control_cluster_start(struct wall_control *control, const char *token, GError **error)
{
	const struct wall_layout *layout = control->layout;
	if (layout->cluster_url == NULL || layout->node == NULL) {
		if (layout->cluster_url != NULL) {
			wall_info("wall.cluster is set but no --node given: this wall runs alone");
		}
		return true;
	}
	const char **names = g_new0(const char *, layout->nodes->len + 1);
	for (guint i = 0; i < layout->nodes->len; i++) {
		names[i] = ((const struct wall_layout_node *)layout->nodes->pdata[i])->name;
	}
	struct wall_cluster_options options = {
	        .url = layout->cluster_url,
	        .node = layout->node->name,
	        .nodes = names,
	        .token = token,
	        .period_us = control->frame_period_us,
	};
	control->cluster = wall_cluster_create(&options, error);
	g_free(names);
	if (control->cluster == NULL) {
		return false;
	}
	control->cluster_sent =
	        g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, sent_free);
	control->cluster_presented =
	        g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
	control->cluster_alarms = g_ptr_array_new_with_free_func(alarm_free);
	return true;
}

void control_cluster_stop(struct wall_control *control)
{
	wall_cluster_destroy(control->cluster);
	control->cluster = NULL;
	if (control->cluster_sent != NULL) {
		g_hash_table_destroy(control->cluster_sent);
		g_ptr_array_unref(control->cluster_presented);
		g_ptr_array_unref(control->cluster_alarms);
	}
}

/* Commands that change what the wall shows go to every node; a reload and a screenshot are
 * each node's own. */
static bool goes_to_all(const struct wall_request *request)
{
	bool changes = false;
	for (guint i = 0; i < request->count; i++) {
		enum wall_command_kind kind = request->commands[i].kind;
		if (kind == WALL_COMMAND_RELOAD || kind == WALL_COMMAND_SCREENSHOT) {
			return false;
		}
		changes = changes || wall_command_changes_wall(kind);
	}
	return changes;
}

static void answer_unapplied(struct wall_control *control, struct wall_request *request)
{
	request->frame = 0;
	g_ptr_array_add(control->answered, request);
}

void control_route_request(struct wall_control *control, struct wall_request *request)
{
	if (control->cluster == NULL || !goes_to_all(request)) {
		control_apply_request(control, request);
		return;
	}
	GError *error = NULL;
	uint64_t seq = 0;
	if (!wall_cluster_send(control->cluster, request->peer, request->text, &seq, &error)) {
		wall_request_fail(request, "cluster", "%s", error->message);
		g_error_free(error);
		answer_unapplied(control, request);
		return;
	}
	struct sent_request *sent = g_new0(struct sent_request, 1);
	sent->request = request;
	sent->sent_us = wall_cluster_now_us();
	int64_t *key = g_new(int64_t, 1);
	*key = (int64_t)seq;
	g_hash_table_insert(control->cluster_sent, key, sent);
}

/* The wall state as the broker keeps it: the scene and pins, saved presets, alarms. */
static char *cluster_state_json(struct wall_control *control)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	char *wall = control_state_json(control);
	json_builder_set_member_name(builder, "wall");
	json_builder_add_value(builder, json_from_string(wall, NULL));
	g_free(wall);
	json_builder_set_member_name(builder, "presets");
	json_builder_begin_object(builder);
	GHashTableIter iter;
	void *key, *value;
	g_hash_table_iter_init(&iter, control->presets);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		const struct user_preset *preset = value;
		char *number = g_strdup_printf("%d", GPOINTER_TO_INT(key));
		json_builder_set_member_name(builder, number);
		g_free(number);
		json_builder_begin_object(builder);
		wall_json_set_string(builder, "name", preset->name);
		wall_json_set_string(builder, "state", preset->json);
		json_builder_end_object(builder);
	}
	json_builder_end_object(builder);
	int64_t now_us = wall_cluster_now_us();
	json_builder_set_member_name(builder, "alarms");
	json_builder_begin_array(builder);
	for (guint i = 0; i < control->cluster_alarms->len; i++) {
		const struct cluster_alarm *alarm = control->cluster_alarms->pdata[i];
		if (alarm->until_us <= now_us) {
			continue;
		}
		json_builder_begin_object(builder);
		wall_json_set_string(builder, "source", alarm->source);
		wall_json_set_string(builder, "tile", alarm->tile);
		wall_json_set_int(builder, "priority", alarm->priority);
		wall_json_set_int(builder, "until_us", alarm->until_us);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
	json_builder_end_object(builder);
	return wall_json_finish(builder);
}

void control_cluster_note_alarm(struct wall_control *control, const struct wall_command *command)
{
	if (control->cluster_alarms == NULL) {
		return;
	}
	if (command->kind == WALL_COMMAND_ALARM_CLEAR) {
		g_ptr_array_set_size(control->cluster_alarms, 0);
		return;
	}
	struct cluster_alarm *alarm = g_new0(struct cluster_alarm, 1);
	alarm->source = g_strdup(command->name);
	alarm->tile = g_strdup(command->tile);
	alarm->priority = command->priority;
	alarm->until_us = wall_cluster_now_us() +
	                  (command->for_ms > 0 ? command->for_ms * 1000 : DEFAULT_ALARM_US);
	g_ptr_array_add(control->cluster_alarms, alarm);
}

/* The saved presets of the broker's state replace this node's, on disk too. */
static void catch_up_presets(struct wall_control *control, JsonObject *presets)
{
	struct wall_request *request = wall_request_new("cluster", "catch up", NULL, NULL, 0, NULL);
	GHashTableIter iter;
	void *key;
	g_hash_table_iter_init(&iter, control->presets);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		wall_request_follow_up(request, WALL_FOLLOWUP_DELETE_PRESET)->number =
		        GPOINTER_TO_INT(key);
	}
	g_hash_table_remove_all(control->presets);
	JsonObjectIter members;
	const char *number;
	JsonNode *value;
	json_object_iter_init(&members, presets);
	while (json_object_iter_next(&members, &number, &value)) {
		if (!JSON_NODE_HOLDS_OBJECT(value)) {
			continue;
		}
		JsonObject *object = json_node_get_object(value);
		const char *name = json_object_get_string_member_with_default(object, "name", "");
		const char *state =
		        json_object_get_string_member_with_default(object, "state", NULL);
		int n = atoi(number);
		if (state == NULL || n <= 0) {
			continue;
		}
		struct user_preset *preset = g_new0(struct user_preset, 1);
		preset->name = g_strdup(name);
		preset->json = g_strdup(state);
		g_hash_table_replace(control->presets, GINT_TO_POINTER(n), preset);
		struct wall_followup *save =
		        wall_request_follow_up(request, WALL_FOLLOWUP_SAVE_PRESET);
		save->number = n;
		save->text = g_strdup(name);
		save->json = g_strdup(state);
	}
	/* Its follow-ups write the presets on the control thread, as PRESET SAVE's do. */
	request->ok = true;
	request->json = g_strdup("{}");
	g_ptr_array_add(control->answered, request);
}

static void catch_up_alarms(struct wall_control *control, JsonArray *alarms)
{
	int64_t now_us = wall_cluster_now_us();
	wall_compositor_alarm_clear(control->compositor);
	g_ptr_array_set_size(control->cluster_alarms, 0);
	for (guint i = 0; i < json_array_get_length(alarms); i++) {
		JsonNode *node = json_array_get_element(alarms, i);
		if (!JSON_NODE_HOLDS_OBJECT(node)) {
			continue;
		}
		JsonObject *object = json_node_get_object(node);
		const char *name = json_object_get_string_member_with_default(object, "source", "");
		const struct wall_layout_source *source =
		        wall_layout_find_source(control->layout, name);
		int64_t until_us = json_object_get_int_member_with_default(object, "until_us", 0);
		if (source == NULL || until_us <= now_us) {
			continue;
		}
		struct cluster_alarm *kept = g_new0(struct cluster_alarm, 1);
		kept->source = g_strdup(name);
		kept->tile =
		        g_strdup(json_object_get_string_member_with_default(object, "tile", NULL));
		kept->priority =
		        (int)json_object_get_int_member_with_default(object, "priority", 0);
		kept->until_us = until_us;
		g_ptr_array_add(control->cluster_alarms, kept);
		struct wall_alarm alarm = {
		        .source = source,
		        .tile_id = kept->tile,
		        .duration_ms = MAX(1, (until_us - now_us) / 1000),
		        .priority = kept->priority,
		};
		wall_compositor_alarm(control->compositor, &alarm, control->now_us);
	}
}

static JsonObject *presented_event(struct wall_control *control, const char *kind)
{
	JsonObject *event = json_object_new();
	json_object_set_string_member(event, "event", kind);
	json_object_set_string_member(event, "node", wall_cluster_node(control->cluster));
	json_object_set_int_member(event, "frame", (int64_t)control->frame);
	json_object_set_int_member(event, "slot_us", control->slot_us);
	return event;
}

/* A node that (re)joins shows what the others show, before any new command. */
static void catch_up(struct wall_control *control, const char *json)
{
	JsonNode *root = json_from_string(json, NULL);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		wall_warning("cluster: the broker's wall state is not a JSON object; ignored");
		if (root != NULL) {
			json_node_unref(root);
		}
		return;
	}
	JsonObject *object = json_node_get_object(root);
	JsonNode *wall = json_object_get_member(object, "wall");
	char *why = NULL;
	if (wall != NULL) {
		char *text = json_to_string(wall, FALSE);
		if (!control_apply_state(control, text, WALL_TRANSITION_CUT, 0, &why)) {
			wall_warning("cluster: cannot show the broker's wall state: %s", why);
		}
		g_free(text);
		g_free(why);
		/* The preset number is part of that state. */
		if (JSON_NODE_HOLDS_OBJECT(wall)) {
			control->preset = (int)json_object_get_int_member_with_default(
			        json_node_get_object(wall), "preset", 0);
		}
	}
	JsonNode *presets = json_object_get_member(object, "presets");
	if (presets != NULL && JSON_NODE_HOLDS_OBJECT(presets)) {
		catch_up_presets(control, json_node_get_object(presets));
	}
	JsonNode *alarms = json_object_get_member(object, "alarms");
	if (alarms != NULL && JSON_NODE_HOLDS_ARRAY(alarms)) {
		catch_up_alarms(control, json_node_get_array(alarms));
	}
	json_node_unref(root);
	JsonObject *event = presented_event(control, "caught-up");
	/* How long after connecting it showed the state: a late node's wait. */
	json_object_set_int_member(event, "connected_us",
	                           wall_cluster_connected_us(control->cluster));
	json_object_set_string_member(event, "scene",
	                              wall_compositor_get_scene(control->compositor)->name);
	g_ptr_array_add(control->cluster_presented, event);
	wall_info("cluster: caught up with the wall's state: scene %s",
	          wall_compositor_get_scene(control->compositor)->name);
}

/* Own commands the broker never gave back are answered, not kept for ever. */
static void expire_sent(struct wall_control *control)
{
	int64_t now_us = wall_cluster_now_us();
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, control->cluster_sent);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		struct sent_request *sent = value;
		if (now_us - sent->sent_us < SENT_TIMEOUT_US) {
			continue;
		}
		struct wall_request *request = g_steal_pointer(&sent->request);
		wall_request_fail(
		        request, "cluster",
		        "sent to the broker, but it never came back; it may have landed on "
		        "other nodes");
		answer_unapplied(control, request);
		g_hash_table_iter_remove(&iter);
	}
}

static struct wall_request *request_of(struct wall_control *control,
                                       const struct wall_cluster_command *command)
{
	if (command->own) {
		int64_t key = (int64_t)command->seq;
		void *stolen_key = NULL;
		void *value = NULL;
		if (g_hash_table_steal_extended(control->cluster_sent, &key, &stolen_key, &value)) {
			struct sent_request *sent = value;
			struct wall_request *request = sent->request;
			g_free(sent);
			g_free(stolen_key);
			return request;
		}
	}
	char *peer = g_strdup_printf("cluster:%s %s", command->node, command->peer);
	GError *error = NULL;
	struct wall_request *request = wall_request_parse_lines(command->text, peer, &error);
	if (request == NULL) {
		wall_warning("cluster: a command from %s does not parse: %s", command->node,
		             error->message);
		g_error_free(error);
	}
	g_free(peer);
	return request;
}

static void apply_command(struct wall_control *control, struct wall_cluster_command *command)
{
	struct wall_request *request = request_of(control, command);
	if (request == NULL) {
		return;
	}
	control_apply_request(control, request);
	if (command->own && request->ok) {
		control->cluster_own_changed = true;
	}
	JsonObject *event = presented_event(control, "presented");
	char *id = g_strdup_printf("%s/%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, command->node,
	                           command->run, command->seq);
	json_object_set_string_member(event, "command", id);
	g_free(id);
	json_object_set_string_member(event, "from", command->node);
	json_object_set_string_member(event, "text", command->text);
	json_object_set_int_member(event, "deadline_us", command->deadline_us);
	json_object_set_int_member(event, "received_us", command->received_us);
	json_object_set_boolean_member(event, "ok", request->ok);
	/* Late: its deadline had passed a whole frame before this one. */
	json_object_set_boolean_member(
	        event, "late", control->slot_us - command->deadline_us >= control->frame_period_us);
	json_object_set_string_member(event, "scene",
	                              wall_compositor_get_scene(control->compositor)->name);
	g_ptr_array_add(control->cluster_presented, event);
}

void control_cluster_begin_frame(struct wall_control *control)
{
	if (control->cluster == NULL) {
		return;
	}
	control->slot_us = wall_cluster_slot_us(control->now_us, control->frame_period_us);
	wall_cluster_tick(control->cluster, control->frame,
	                  wall_compositor_get_scene(control->compositor)->name);
	char *state = wall_cluster_take_state(control->cluster);
	if (state != NULL) {
		catch_up(control, state);
		g_free(state);
	}
	expire_sent(control);
	struct wall_cluster_command *command;
	while ((command = wall_cluster_take_due(control->cluster, control->slot_us)) != NULL) {
		apply_command(control, command);
		wall_cluster_command_free(command);
	}
}

/* A frame's new pictures on tiles across nodes: {"node", "slot_us", "presented_us",
 * "pictures": [{"tile", "capture_us"}]}, capture times on the shared clock. */
static void publish_shown(struct wall_control *control, int64_t presented_us)
{
	GArray *shown = wall_compositor_take_shown(control->compositor);
	if (shown->len == 0) {
		wall_shown_free(shown);
		return;
	}
	int64_t to_shared_us = wall_cluster_now_us() - g_get_monotonic_time();
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "node", wall_cluster_node(control->cluster));
	wall_json_set_int(builder, "slot_us", control->slot_us);
	wall_json_set_int(builder, "presented_us", presented_us);
	json_builder_set_member_name(builder, "pictures");
	json_builder_begin_array(builder);
	for (guint i = 0; i < shown->len; i++) {
		const struct wall_shown *picture = &g_array_index(shown, struct wall_shown, i);
		json_builder_begin_object(builder);
		wall_json_set_string(builder, "tile", picture->tile_id);
		wall_json_set_int(
		        builder, "capture_us",
		        picture->capture_time_us > 0 ? picture->capture_time_us + to_shared_us : 0);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
	json_builder_end_object(builder);
	char *json = wall_json_finish(builder);
	wall_cluster_publish_shown(control->cluster, json);
	g_free(json);
	wall_shown_free(shown);
}

void control_cluster_end_frame(struct wall_control *control, GPtrArray *events)
{
	if (control->cluster == NULL) {
		return;
	}
	int64_t presented_us = wall_cluster_now_us();
	for (guint i = 0; i < control->cluster_presented->len; i++) {
		JsonObject *event = control->cluster_presented->pdata[i];
		json_object_set_int_member(event, "presented_us", presented_us);
		JsonNode *node = json_node_init_object(json_node_alloc(), event);
		char *json = json_to_string(node, FALSE);
		json_node_unref(node);
		wall_cluster_publish_presented(control->cluster, json);
		g_ptr_array_add(events, json);
	}
	g_ptr_array_set_size(control->cluster_presented, 0);
	publish_shown(control, presented_us);
	if (control->cluster_own_changed) {
		char *state = cluster_state_json(control);
		wall_cluster_publish_state(control->cluster, state);
		g_free(state);
		control->cluster_own_changed = false;
	}
}
