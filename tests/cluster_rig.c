#include "cluster_rig.h"

#include <mosquitto.h>
#include <signal.h>
#include <string.h>

#include "support.h"

const char *const rig_names[RIG_NODES] = {"a", "b", "c", "d"};
bool rig_quiet;
const char *rig_layout_name = "cluster-2x2.yaml";
const char *rig_camera_port;
bool rig_no_capture_delay;

static void on_observer_connect(struct mosquitto *mosq, void *user, int rc)
{
	(void)user;
	if (rc == 0) {
		mosquitto_subscribe(mosq, NULL, "wall/test/presented/+", 1);
		mosquitto_subscribe(mosq, NULL, "wall/test/shown/+", 0);
	}
}

static void on_observer_message(struct mosquitto *mosq, void *user,
                                const struct mosquitto_message *message)
{
	(void)mosq;
	struct cluster_rig *rig = user;
	char *text = g_strndup(message->payload, (gsize)MAX(message->payloadlen, 0));
	JsonNode *node = text[0] != '\0' ? json_from_string(text, NULL) : NULL;
	g_free(text);
	if (node != NULL && JSON_NODE_HOLDS_OBJECT(node)) {
		bool shown = g_str_has_prefix(message->topic, "wall/test/shown/");
		g_async_queue_push(shown ? rig->shown : rig->events,
		                   json_object_ref(json_node_get_object(node)));
	}
	if (node != NULL) {
		json_node_unref(node);
	}
}

static char *layout_with_port(int port, bool clustered)
{
	char *relative = g_strdup_printf("tests/layouts/%s", rig_layout_name);
	char *source = wall_test_source_path(relative);
	g_free(relative);
	char *text = NULL;
	g_assert_true(g_file_get_contents(source, &text, NULL, NULL));
	char *port_text = g_strdup_printf(":%d/", port);
	GString *out = g_string_new(text);
	g_string_replace(out, ":1883/", port_text, 0);
	if (!clustered) {
		g_string_replace(out, "cluster: mqtt:", "# cluster: mqtt:", 0);
	}
	if (rig_camera_port != NULL) {
		char *camera = g_strdup_printf(":%s/", rig_camera_port);
		g_string_replace(out, ":8554/", camera, 0);
		g_free(camera);
	}
	if (rig_no_capture_delay) {
		g_string_replace(out, "capture_delay:", "# capture_delay:", 0);
	}
	char *path = wall_test_temp_path("cluster-2x2.yaml");
	g_assert_true(g_file_set_contents(path, out->str, -1, NULL));
	g_string_free(out, TRUE);
	g_free(port_text);
	g_free(text);
	g_free(source);
	return path;
}

bool rig_start(struct cluster_rig *rig, bool clustered)
{
	memset(rig, 0, sizeof(*rig));
	rig->broker = wall_test_broker_start(&rig->port);
	if (rig->broker == NULL) {
		return false;
	}
	rig->layout = layout_with_port(rig->port, clustered);
	rig->events = g_async_queue_new_full((GDestroyNotify)json_object_unref);
	rig->shown = g_async_queue_new_full((GDestroyNotify)json_object_unref);
	mosquitto_lib_init();
	rig->observer = mosquitto_new(NULL, true, rig);
	mosquitto_connect_callback_set(rig->observer, on_observer_connect);
	mosquitto_message_callback_set(rig->observer, on_observer_message);
	mosquitto_reconnect_delay_set(rig->observer, 1, 1, false);
	g_assert_cmpint(mosquitto_connect(rig->observer, "127.0.0.1", rig->port, 5), ==,
	                MOSQ_ERR_SUCCESS);
	g_assert_cmpint(mosquitto_loop_start(rig->observer), ==, MOSQ_ERR_SUCCESS);
	for (int i = 0; i < RIG_NODES; i++) {
		char *name = g_strdup_printf("%s.sock", rig_names[i]);
		rig->sockets[i] = wall_test_temp_path(name);
		g_free(name);
		name = g_strdup_printf("%s.db", rig_names[i]);
		rig->states[i] = wall_test_temp_path(name);
		g_free(name);
		rig_node_start(rig, i);
	}
	return true;
}

void rig_finish(struct cluster_rig *rig)
{
	for (int i = 0; i < RIG_NODES; i++) {
		/* SIGTERM first: a node says goodbye to the broker. */
		if (rig->nodes[i] != NULL) {
			g_subprocess_send_signal(rig->nodes[i], SIGTERM);
			g_subprocess_wait(rig->nodes[i], NULL, NULL);
			/* A clean stop: no crash on the way out, and no leak where sanitized. */
			g_assert_true(g_subprocess_get_if_exited(rig->nodes[i]));
			g_assert_cmpint(g_subprocess_get_exit_status(rig->nodes[i]), ==, 0);
			g_clear_object(&rig->nodes[i]);
		}
		g_free(rig->sockets[i]);
		g_free(rig->states[i]);
	}
	if (rig->observer != NULL) {
		mosquitto_disconnect(rig->observer);
		mosquitto_loop_stop(rig->observer, false);
		mosquitto_destroy(rig->observer);
	}
	wall_test_stop(rig->broker);
	if (rig->events != NULL) {
		g_async_queue_unref(rig->events);
		g_async_queue_unref(rig->shown);
	}
	g_free(rig->layout);
}

void rig_node_start(struct cluster_rig *rig, int i)
{
	char *wall = wall_test_build_path("wall/wall");
	/* The plugins come from WALL_PLUGIN_PATH, as in every test. */
	const char *argv[] = {wall,
	                      "--backend",
	                      "headless",
	                      "--renderer",
	                      "soft",
	                      "--fps",
	                      "25",
	                      "--node",
	                      rig_names[i],
	                      "--control",
	                      rig->sockets[i],
	                      "--state",
	                      rig->states[i],
	                      rig->layout,
	                      rig_quiet ? "--quiet" : NULL,
	                      NULL};
	rig->started_us[i] = g_get_real_time();
	rig->nodes[i] = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_NONE);
	g_free(wall);
	/* Ready once its control socket answers; a slow machine gets a minute. */
	struct wall_test_client client;
	for (int tries = 0; tries < 600; tries++) {
		if (wall_test_client_open(&client, rig->sockets[i])) {
			wall_test_client_close(&client);
			return;
		}
		g_usleep(100 * 1000);
	}
	g_error("node %s never opened its control socket", rig_names[i]);
}

void rig_node_kill(struct cluster_rig *rig, int i)
{
	wall_test_stop(rig->nodes[i]);
	rig->nodes[i] = NULL;
}

void rig_broker_stop(struct cluster_rig *rig)
{
	wall_test_stop(rig->broker);
	rig->broker = NULL;
}

void rig_broker_start(struct cluster_rig *rig)
{
	rig->broker = wall_test_broker_start_on(rig->port);
}

char *rig_ask(struct cluster_rig *rig, int i, const char *line)
{
	struct wall_test_client client;
	g_assert_true(wall_test_client_open(&client, rig->sockets[i]));
	char *text = g_strdup_printf("%s\n", line);
	wall_test_client_send(&client, text, strlen(text));
	g_free(text);
	char *reply = wall_test_client_read(&client);
	wall_test_client_close(&client);
	g_assert_nonnull(reply);
	return reply;
}

JsonObject *rig_ask_ok(struct cluster_rig *rig, int i, const char *line)
{
	struct wall_test_client client;
	g_assert_true(wall_test_client_open(&client, rig->sockets[i]));
	JsonObject *object = wall_test_client_ask_ok(&client, line);
	wall_test_client_close(&client);
	return object;
}

static int online_nodes(struct cluster_rig *rig, int i)
{
	JsonObject *status = rig_ask_ok(rig, i, "STATUS");
	JsonObject *cluster = json_object_get_object_member(status, "cluster");
	int online = 0;
	if (cluster != NULL && json_object_get_boolean_member(cluster, "connected")) {
		JsonArray *nodes = json_object_get_array_member(cluster, "nodes");
		for (guint j = 0; j < json_array_get_length(nodes); j++) {
			JsonObject *node = json_array_get_object_element(nodes, j);
			online += json_object_get_boolean_member(node, "online") ? 1 : 0;
		}
	}
	json_object_unref(status);
	return online;
}

bool rig_wait_all_online(struct cluster_rig *rig, int timeout_s)
{
	int64_t end_us = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < end_us) {
		bool all = true;
		for (int i = 0; i < RIG_NODES && all; i++) {
			all = rig->nodes[i] == NULL || online_nodes(rig, i) == RIG_NODES;
		}
		if (all) {
			return true;
		}
		g_usleep(200 * 1000);
	}
	return false;
}

void rig_drain(struct cluster_rig *rig)
{
	JsonObject *event;
	while ((event = g_async_queue_try_pop(rig->events)) != NULL) {
		json_object_unref(event);
	}
}

static int node_index(const char *name)
{
	for (int i = 0; i < RIG_NODES; i++) {
		if (g_strcmp0(rig_names[i], name) == 0) {
			return i;
		}
	}
	return -1;
}

bool rig_wait_presented(struct cluster_rig *rig, const char *text, int count, int timeout_s,
                        int64_t *presented_us)
{
	return rig_wait_presented_slots(rig, text, count, timeout_s, presented_us, NULL, NULL);
}

bool rig_wait_presented_slots(struct cluster_rig *rig, const char *text, int count, int timeout_s,
                              int64_t *presented_us, int64_t *slot_us, bool *late)
{
	int64_t end_us = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
	bool seen[RIG_NODES] = {false};
	int found = 0;
	while (found < count) {
		int64_t left_us = end_us - g_get_monotonic_time();
		JsonObject *event =
		        left_us > 0 ? g_async_queue_timeout_pop(rig->events, left_us) : NULL;
		if (event == NULL) {
			return false;
		}
		int i = node_index(json_object_get_string_member_with_default(event, "node", ""));
		if (i >= 0 && !seen[i] &&
		    g_strcmp0(json_object_get_string_member_with_default(event, "event", ""),
		              "presented") == 0 &&
		    g_strcmp0(json_object_get_string_member_with_default(event, "text", ""),
		              text) == 0) {
			g_assert_true(json_object_get_boolean_member(event, "ok"));
			seen[i] = true;
			found++;
			if (presented_us != NULL) {
				presented_us[i] = json_object_get_int_member(event, "presented_us");
			}
			if (slot_us != NULL) {
				slot_us[i] = json_object_get_int_member(event, "slot_us");
				late[i] = json_object_get_int_member(event, "received_us") >
				          json_object_get_int_member(event, "deadline_us");
			}
		}
		json_object_unref(event);
	}
	return true;
}

JsonObject *rig_wait_event(struct cluster_rig *rig, const char *kind, const char *node,
                           int timeout_s)
{
	int64_t end_us = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
	for (;;) {
		int64_t left_us = end_us - g_get_monotonic_time();
		JsonObject *event =
		        left_us > 0 ? g_async_queue_timeout_pop(rig->events, left_us) : NULL;
		if (event == NULL) {
			return NULL;
		}
		if (g_strcmp0(json_object_get_string_member_with_default(event, "event", ""),
		              kind) == 0 &&
		    g_strcmp0(json_object_get_string_member_with_default(event, "node", ""),
		              node) == 0) {
			return event;
		}
		json_object_unref(event);
	}
}
