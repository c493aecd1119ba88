/* One wall over several machines: commands, state and heartbeats through an MQTT broker. */
#include "cluster.h"

#include <mosquitto.h>
#include <string.h>

#include "json_write.h"
#include "layout.h"
#include "log.h"

/* Seconds without a ping before libmosquitto calls the broker gone. */
#define KEEPALIVE_S 5
#define HEARTBEAT_US G_USEC_PER_SEC
/* A node silent for this long is reported offline. */
#define NODE_SILENT_US (3 * G_USEC_PER_SEC)
/* Bounds of the deadline margin: room for the slowest node, and no later than a host notices. */
#define MIN_MARGIN_US (120 * 1000)
#define MAX_MARGIN_US (1000 * 1000)
/* Round trips remembered for the margin: the largest of them counts. */
#define RTT_SAMPLES 8

struct node_info {
	char *name;
	bool online;
	/* Local shared-clock time its last heartbeat came, 0 for never. */
	int64_t heard_us;
	/* Its own clock when it sent it. */
	int64_t sent_us;
	int64_t rtt_us;
	int64_t offset_us;
	/*
	 * The last heartbeats' offset estimates and trip times (receive - send):
	 * the one that travelled fastest waited least in queues, so its
	 * estimate is the one reported.
	 */
	int64_t offset_samples[RTT_SAMPLES];
	int64_t trip_samples[RTT_SAMPLES];
	guint sample_next;
	int64_t frame;
	char *scene;
};

struct wall_cluster {
	struct mosquitto *mosq;
	char *node;
	char *prefix;
	char *url;
	uint64_t run;
	uint64_t next_seq;
	int64_t period_us;
	char *topic_cmd;
	char *topic_state;
	char *topic_nodes;
	char *topic_presented;
	char *topic_shown;
	char *topic_heartbeat;

	/* Filled by the mosquitto thread: struct wall_cluster_command *. */
	GAsyncQueue *incoming;
	/* Render thread: commands in broker order, waiting for their deadline. */
	GQueue waiting;
	int64_t heartbeat_us;

	GMutex lock;
	/* Guarded by lock from here. */
	bool connected;
	/* When it last connected, shared clock. */
	int64_t connected_us;
	/* Since (re)connecting no command came yet: a retained state is one to catch up with. */
	bool want_state;
	char *state;
	/* struct node_info *, by name. */
	GHashTable *nodes;
	int64_t rtt_samples[RTT_SAMPLES];
	guint rtt_next;
};

int64_t wall_cluster_now_us(void)
{
	return g_get_real_time();
}

int64_t wall_cluster_slot_us(int64_t mono_us, int64_t period_us)
{
	int64_t shared_us = mono_us + (g_get_real_time() - g_get_monotonic_time());
	return (shared_us + period_us / 2) / period_us * period_us;
}

int64_t wall_cluster_next_slot_mono_us(int64_t mono_us, int64_t period_us)
{
	int64_t offset_us = g_get_real_time() - g_get_monotonic_time();
	int64_t shared_us = mono_us + offset_us;
	return (shared_us / period_us + 1) * period_us - offset_us;
}

void wall_cluster_command_free(struct wall_cluster_command *command)
{
	if (command == NULL) {
		return;
	}
	g_free(command->node);
	g_free(command->peer);
	g_free(command->text);
	g_free(command);
}

static void node_info_free(void *data)
{
	struct node_info *info = data;
	g_free(info->name);
	g_free(info->scene);
	g_free(info);
}

static struct node_info *node_info_get(struct wall_cluster *cluster, const char *name)
{
	struct node_info *info = g_hash_table_lookup(cluster->nodes, name);
	if (info == NULL) {
		info = g_new0(struct node_info, 1);
		info->name = g_strdup(name);
		g_hash_table_insert(cluster->nodes, info->name, info);
	}
	return info;
}

static int64_t own_rtt_locked(struct wall_cluster *cluster)
{
	int64_t most = 0;
	for (guint i = 0; i < RTT_SAMPLES; i++) {
		most = MAX(most, cluster->rtt_samples[i]);
	}
	return most;
}

/* ---- The mosquitto thread ---- */

static JsonObject *parse_object(const struct mosquitto_message *message, JsonParser *parser)
{
	if (message->payloadlen <= 0 ||
	    !json_parser_load_from_data(parser, message->payload, message->payloadlen, NULL)) {
		return NULL;
	}
	JsonNode *root = json_parser_get_root(parser);
	return root != NULL && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
}

static void on_command(struct wall_cluster *cluster, JsonObject *object)
{
	const char *node = json_object_get_string_member_with_default(object, "node", NULL);
	const char *text = json_object_get_string_member_with_default(object, "text", NULL);
	if (node == NULL || text == NULL) {
		wall_warning("cluster: a command without node or text; ignored");
		return;
	}
	struct wall_cluster_command *command = g_new0(struct wall_cluster_command, 1);
	command->node = g_strdup(node);
	command->run = (uint64_t)json_object_get_int_member_with_default(object, "run", 0);
	command->seq = (uint64_t)json_object_get_int_member_with_default(object, "seq", 0);
	command->peer = g_strdup(json_object_get_string_member_with_default(object, "peer", "?"));
	command->text = g_strdup(text);
	command->deadline_us = json_object_get_int_member_with_default(object, "deadline_us", 0);
	command->own = strcmp(node, cluster->node) == 0 && command->run == cluster->run;
	command->received_us = wall_cluster_now_us();
	g_mutex_lock(&cluster->lock);
	/* A command came after the retained state: that state is no longer the one to take. */
	cluster->want_state = false;
	g_mutex_unlock(&cluster->lock);
	g_async_queue_push(cluster->incoming, command);
}

static void on_state(struct wall_cluster *cluster, const struct mosquitto_message *message)
{
	g_mutex_lock(&cluster->lock);
	if (cluster->want_state && message->payloadlen > 0) {
		g_free(cluster->state);
		cluster->state = g_strndup(message->payload, (gsize)message->payloadlen);
		cluster->want_state = false;
	}
	g_mutex_unlock(&cluster->lock);
}

static void on_heartbeat(struct wall_cluster *cluster, const char *name, JsonObject *object)
{
	int64_t now_us = wall_cluster_now_us();
	bool online = json_object_get_boolean_member_with_default(object, "online", true);
	int64_t sent_us = json_object_get_int_member_with_default(object, "sent_us", 0);
	int64_t rtt_us = json_object_get_int_member_with_default(object, "rtt_us", 0);
	uint64_t run = (uint64_t)json_object_get_int_member_with_default(object, "run", 0);
	g_mutex_lock(&cluster->lock);
	struct node_info *info = node_info_get(cluster, name);
	if (!online) {
		info->online = false;
		g_mutex_unlock(&cluster->lock);
		return;
	}
	bool own = strcmp(name, cluster->node) == 0 && run == cluster->run;
	if (own) {
		/* Our own heartbeat, back from the broker: a round trip. */
		cluster->rtt_samples[cluster->rtt_next++ % RTT_SAMPLES] = now_us - sent_us;
		rtt_us = own_rtt_locked(cluster);
	}
	/*
	 * Its clock against ours: it sent at sent_us on its clock; the trip
	 * took about half its round trip to the broker and half ours back.
	 */
	int64_t one_way_us = (rtt_us + own_rtt_locked(cluster)) / 2;
	/* A retained heartbeat from before we connected says nothing of now. */
	if (own || now_us - sent_us < 10 * G_USEC_PER_SEC) {
		guint slot = info->sample_next++ % RTT_SAMPLES;
		info->offset_samples[slot] = own ? 0 : sent_us + one_way_us - now_us;
		info->trip_samples[slot] = now_us - sent_us;
		guint kept = MIN(info->sample_next, RTT_SAMPLES);
		guint best = 0;
		for (guint i = 1; i < kept; i++) {
			best = info->trip_samples[i] < info->trip_samples[best] ? i : best;
		}
		info->offset_us = info->offset_samples[best];
		info->heard_us = now_us;
		info->online = true;
	}
	info->sent_us = sent_us;
	info->rtt_us = rtt_us;
	info->frame = json_object_get_int_member_with_default(object, "frame", 0);
	g_free(info->scene);
	info->scene = g_strdup(json_object_get_string_member_with_default(object, "scene", NULL));
	g_mutex_unlock(&cluster->lock);
}

static void on_message(struct mosquitto *mosq, void *user, const struct mosquitto_message *message)
{
	(void)mosq;
	struct wall_cluster *cluster = user;
	if (strcmp(message->topic, cluster->topic_state) == 0) {
		on_state(cluster, message);
		return;
	}
	JsonParser *parser = json_parser_new();
	JsonObject *object = parse_object(message, parser);
	size_t nodes_len = strlen(cluster->topic_nodes);
	if (object == NULL) {
		/* An emptied retained message, or not ours: nothing to do. */
	} else if (strcmp(message->topic, cluster->topic_cmd) == 0) {
		on_command(cluster, object);
	} else if (strncmp(message->topic, cluster->topic_nodes, nodes_len) == 0) {
		on_heartbeat(cluster, message->topic + nodes_len, object);
	}
	g_object_unref(parser);
}

static void on_connect(struct mosquitto *mosq, void *user, int rc)
{
	struct wall_cluster *cluster = user;
	if (rc != 0) {
		wall_warning("cluster: broker refused us: %s", mosquitto_connack_string(rc));
		return;
	}
	g_mutex_lock(&cluster->lock);
	cluster->connected = true;
	cluster->connected_us = wall_cluster_now_us();
	cluster->want_state = true;
	g_mutex_unlock(&cluster->lock);
	/* The state first: retained, it comes at once, before any new command. */
	mosquitto_subscribe(mosq, NULL, cluster->topic_state, 1);
	mosquitto_subscribe(mosq, NULL, cluster->topic_cmd, 1);
	char *nodes = g_strdup_printf("%s+", cluster->topic_nodes);
	mosquitto_subscribe(mosq, NULL, nodes, 0);
	g_free(nodes);
	wall_info("cluster: node %s connected to %s", cluster->node, cluster->url);
}

static void on_disconnect(struct mosquitto *mosq, void *user, int rc)
{
	(void)mosq;
	struct wall_cluster *cluster = user;
	g_mutex_lock(&cluster->lock);
	bool was = cluster->connected;
	cluster->connected = false;
	g_mutex_unlock(&cluster->lock);
	if (was && rc != 0) {
		wall_warning("cluster: lost the broker %s; drawing on, reconnecting", cluster->url);
	}
}

/* ---- The render thread ---- */

static bool is_loopback(const char *host)
{
	return strcmp(host, "localhost") == 0 || g_str_has_prefix(host, "127.") ||
	       strcmp(host, "::1") == 0;
}

static char *heartbeat_json(struct wall_cluster *cluster, bool online, int64_t frame,
                            const char *scene)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "node", cluster->node);
	wall_json_set_bool(builder, "online", online);
	wall_json_set_int(builder, "run", (int64_t)cluster->run);
	if (online) {
		g_mutex_lock(&cluster->lock);
		int64_t rtt_us = own_rtt_locked(cluster);
		g_mutex_unlock(&cluster->lock);
		wall_json_set_int(builder, "sent_us", wall_cluster_now_us());
		wall_json_set_int(builder, "rtt_us", rtt_us);
		wall_json_set_int(builder, "frame", frame);
		wall_json_set_string(builder, "scene", scene);
	}
	json_builder_end_object(builder);
	return wall_json_finish(builder);
}

struct wall_cluster *wall_cluster_create(const struct wall_cluster_options *options, GError **error)
{
	char *host = NULL;
	int port = 0;
	char *prefix = NULL;
	if (!wall_cluster_url_parse(options->url, &host, &port, &prefix)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "wall.cluster %s: expected mqtt://host:port/wall/NAME", options->url);
		return NULL;
	}
	if (options->token == NULL && !is_loopback(host)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
		            "wall.cluster %s: a broker beyond loopback needs --token-file (its "
		            "password for user \"wall\"), as TCP control does",
		            options->url);
		g_free(host);
		g_free(prefix);
		return NULL;
	}
	mosquitto_lib_init();
	struct wall_cluster *cluster = g_new0(struct wall_cluster, 1);
	cluster->node = g_strdup(options->node);
	cluster->prefix = prefix;
	cluster->url = g_strdup(options->url);
	cluster->run = ((uint64_t)g_random_int() << 20) ^ g_random_int();
	/* JSON numbers stay exact below 2^53. */
	cluster->run &= (1ull << 52) - 1;
	cluster->next_seq = 1;
	cluster->period_us = options->period_us > 0 ? options->period_us : 40000;
	cluster->topic_cmd = g_strdup_printf("%s/cmd", prefix);
	cluster->topic_state = g_strdup_printf("%s/state", prefix);
	cluster->topic_nodes = g_strdup_printf("%s/node/", prefix);
	cluster->topic_presented = g_strdup_printf("%s/presented/%s", prefix, options->node);
	cluster->topic_shown = g_strdup_printf("%s/shown/%s", prefix, options->node);
	cluster->topic_heartbeat = g_strdup_printf("%s/node/%s", prefix, options->node);
	cluster->incoming = g_async_queue_new_full((GDestroyNotify)wall_cluster_command_free);
	g_queue_init(&cluster->waiting);
	g_mutex_init(&cluster->lock);
	cluster->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, node_info_free);
	for (const char *const *name = options->nodes; name != NULL && *name != NULL; name++) {
		node_info_get(cluster, *name);
	}

	char *client_id = g_strdup_printf("wall-%s-%s", prefix, options->node);
	cluster->mosq = mosquitto_new(client_id, true, cluster);
	g_free(client_id);
	if (options->token != NULL) {
		mosquitto_username_pw_set(cluster->mosq, "wall", options->token);
	}
	char *will = heartbeat_json(cluster, false, 0, NULL);
	mosquitto_will_set(cluster->mosq, cluster->topic_heartbeat, (int)strlen(will), will, 1,
	                   true);
	g_free(will);
	mosquitto_connect_callback_set(cluster->mosq, on_connect);
	mosquitto_disconnect_callback_set(cluster->mosq, on_disconnect);
	mosquitto_message_callback_set(cluster->mosq, on_message);
	/* Back within a second or two of the broker's return, and never giving up. */
	mosquitto_reconnect_delay_set(cluster->mosq, 1, 2, false);
	int rc = mosquitto_connect_async(cluster->mosq, host, port, KEEPALIVE_S);
	if (rc != MOSQ_ERR_SUCCESS) {
		/* Not fatal: the loop keeps trying, and the wall draws meanwhile. */
		wall_warning("cluster: cannot reach %s yet (%s); retrying", options->url,
		             mosquitto_strerror(rc));
	}
	rc = mosquitto_loop_start(cluster->mosq);
	g_free(host);
	if (rc != MOSQ_ERR_SUCCESS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cluster: %s",
		            mosquitto_strerror(rc));
		wall_cluster_destroy(cluster);
		return NULL;
	}
	wall_info("cluster: node %s of %s, commands on %s", cluster->node, options->url,
	          cluster->topic_cmd);
	return cluster;
}

void wall_cluster_destroy(struct wall_cluster *cluster)
{
	if (cluster == NULL) {
		return;
	}
	if (cluster->mosq != NULL) {
		char *bye = heartbeat_json(cluster, false, 0, NULL);
		mosquitto_publish(cluster->mosq, NULL, cluster->topic_heartbeat, (int)strlen(bye),
		                  bye, 1, true);
		g_free(bye);
		mosquitto_disconnect(cluster->mosq);
		mosquitto_loop_stop(cluster->mosq, false);
		mosquitto_destroy(cluster->mosq);
	}
	g_queue_clear_full(&cluster->waiting, (GDestroyNotify)wall_cluster_command_free);
	g_async_queue_unref(cluster->incoming);
	g_hash_table_destroy(cluster->nodes);
	g_mutex_clear(&cluster->lock);
	g_free(cluster->state);
	g_free(cluster->node);
	g_free(cluster->prefix);
	g_free(cluster->url);
	g_free(cluster->topic_cmd);
	g_free(cluster->topic_state);
	g_free(cluster->topic_nodes);
	g_free(cluster->topic_presented);
	g_free(cluster->topic_shown);
	g_free(cluster->topic_heartbeat);
	g_free(cluster);
}

const char *wall_cluster_node(struct wall_cluster *cluster)
{
	return cluster->node;
}

int64_t wall_cluster_connected_us(struct wall_cluster *cluster)
{
	g_mutex_lock(&cluster->lock);
	int64_t connected_us = cluster->connected_us;
	g_mutex_unlock(&cluster->lock);
	return connected_us;
}

/*
 * How far ahead a command's deadline lies: long enough for the slowest
 * node's round trip to the broker, twice over, plus two frames for it to
 * wake and compose.
 */
static int64_t margin_us(struct wall_cluster *cluster)
{
	int64_t now_us = wall_cluster_now_us();
	g_mutex_lock(&cluster->lock);
	int64_t slowest_us = own_rtt_locked(cluster);
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, cluster->nodes);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		const struct node_info *info = value;
		if (info->online && now_us - info->heard_us < NODE_SILENT_US) {
			slowest_us = MAX(slowest_us, info->rtt_us);
		}
	}
	g_mutex_unlock(&cluster->lock);
	return CLAMP(2 * slowest_us + 2 * cluster->period_us, MIN_MARGIN_US, MAX_MARGIN_US);
}

bool wall_cluster_send(struct wall_cluster *cluster, const char *peer, const char *text,
                       uint64_t *seq, GError **error)
{
	g_mutex_lock(&cluster->lock);
	bool connected = cluster->connected;
	g_mutex_unlock(&cluster->lock);
	if (!connected) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
		            "the broker %s is out of reach; nothing changed on any node",
		            cluster->url);
		return false;
	}
	*seq = cluster->next_seq++;
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "node", cluster->node);
	wall_json_set_int(builder, "run", (int64_t)cluster->run);
	wall_json_set_int(builder, "seq", (int64_t)*seq);
	wall_json_set_string(builder, "peer", peer);
	wall_json_set_string(builder, "text", text);
	wall_json_set_int(builder, "deadline_us", wall_cluster_now_us() + margin_us(cluster));
	json_builder_end_object(builder);
	char *json = wall_json_finish(builder);
	int rc = mosquitto_publish(cluster->mosq, NULL, cluster->topic_cmd, (int)strlen(json), json,
	                           1, false);
	g_free(json);
	if (rc != MOSQ_ERR_SUCCESS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "cannot send to the broker %s: %s", cluster->url,
		            mosquitto_strerror(rc));
		return false;
	}
	return true;
}

struct wall_cluster_command *wall_cluster_take_due(struct wall_cluster *cluster, int64_t slot_us)
{
	struct wall_cluster_command *command;
	while ((command = g_async_queue_try_pop(cluster->incoming)) != NULL) {
		g_queue_push_tail(&cluster->waiting, command);
	}
	/* Broker order holds: a later command waits behind an earlier one. */
	command = g_queue_peek_head(&cluster->waiting);
	if (command == NULL || command->deadline_us > slot_us) {
		return NULL;
	}
	return g_queue_pop_head(&cluster->waiting);
}

char *wall_cluster_take_state(struct wall_cluster *cluster)
{
	g_mutex_lock(&cluster->lock);
	char *state = g_steal_pointer(&cluster->state);
	g_mutex_unlock(&cluster->lock);
	return state;
}

void wall_cluster_publish_state(struct wall_cluster *cluster, const char *json)
{
	mosquitto_publish(cluster->mosq, NULL, cluster->topic_state, (int)strlen(json), json, 1,
	                  true);
}

void wall_cluster_publish_presented(struct wall_cluster *cluster, const char *json)
{
	mosquitto_publish(cluster->mosq, NULL, cluster->topic_presented, (int)strlen(json), json, 1,
	                  false);
}

void wall_cluster_publish_shown(struct wall_cluster *cluster, const char *json)
{
	/* Many a second, and only for whoever watches: QoS 0. */
	mosquitto_publish(cluster->mosq, NULL, cluster->topic_shown, (int)strlen(json), json, 0,
	                  false);
}

void wall_cluster_tick(struct wall_cluster *cluster, uint64_t frame, const char *scene)
{
	int64_t now_us = wall_cluster_now_us();
	if (now_us - cluster->heartbeat_us < HEARTBEAT_US) {
		return;
	}
	cluster->heartbeat_us = now_us;
	char *json = heartbeat_json(cluster, true, (int64_t)frame, scene);
	mosquitto_publish(cluster->mosq, NULL, cluster->topic_heartbeat, (int)strlen(json), json, 0,
	                  true);
	g_free(json);
}

static gint node_compare(gconstpointer a, gconstpointer b)
{
	const struct node_info *x = *(const struct node_info *const *)a;
	const struct node_info *y = *(const struct node_info *const *)b;
	return strcmp(x->name, y->name);
}

void wall_cluster_describe(struct wall_cluster *cluster, JsonBuilder *out)
{
	int64_t now_us = wall_cluster_now_us();
	json_builder_set_member_name(out, "cluster");
	json_builder_begin_object(out);
	wall_json_set_string(out, "node", cluster->node);
	wall_json_set_string(out, "broker", cluster->url);
	wall_json_set_string(out, "clock", "system (CLOCK_REALTIME)");
	g_mutex_lock(&cluster->lock);
	wall_json_set_bool(out, "connected", cluster->connected);
	wall_json_set_int(out, "rtt_us", own_rtt_locked(cluster));
	GPtrArray *all = g_ptr_array_new();
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, cluster->nodes);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		g_ptr_array_add(all, value);
	}
	g_ptr_array_sort(all, node_compare);
	json_builder_set_member_name(out, "nodes");
	json_builder_begin_array(out);
	for (guint i = 0; i < all->len; i++) {
		const struct node_info *info = all->pdata[i];
		json_builder_begin_object(out);
		wall_json_set_string(out, "name", info->name);
		wall_json_set_bool(out, "online",
		                   info->online && info->heard_us != 0 &&
		                           now_us - info->heard_us < NODE_SILENT_US);
		json_builder_set_member_name(out, "last_heartbeat_us");
		if (info->heard_us != 0) {
			json_builder_add_int_value(out, info->heard_us);
			wall_json_set_int(out, "heartbeat_age_ms",
			                  (now_us - info->heard_us) / 1000);
			wall_json_set_int(out, "clock_offset_us", info->offset_us);
			wall_json_set_int(out, "rtt_us", info->rtt_us);
			wall_json_set_int(out, "frame", info->frame);
			wall_json_set_string(out, "scene", info->scene);
		} else {
			json_builder_add_null_value(out);
		}
		json_builder_end_object(out);
	}
	json_builder_end_array(out);
	g_mutex_unlock(&cluster->lock);
	g_ptr_array_unref(all);
	json_builder_end_object(out);
}
