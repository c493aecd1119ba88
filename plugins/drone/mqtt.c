#include "mqtt.h"

#include <mosquitto.h>
#include <string.h>

#include "osd.h"

#define KEEPALIVE_S 10

struct mqtt_input {
	struct mosquitto *client;
	struct telemetry_store *store;
	char *topic;
	/* Written by libmosquitto's thread. */
	GMutex lock;
	bool connected;
	uint64_t messages;
	uint64_t rejected;
	uint64_t too_large;
};

static void on_connect(struct mosquitto *client, void *user, int result)
{
	struct mqtt_input *input = user;
	if (result != 0) {
		return;
	}
	g_mutex_lock(&input->lock);
	input->connected = true;
	g_mutex_unlock(&input->lock);
	/* QoS 0: a lost reading is replaced by the next one within a second. */
	mosquitto_subscribe(client, NULL, input->topic, 0);
}

static void on_disconnect(struct mosquitto *client, void *user, int result)
{
	struct mqtt_input *input = user;
	g_mutex_lock(&input->lock);
	input->connected = false;
	g_mutex_unlock(&input->lock);
}

static void on_message(struct mosquitto *client, void *user,
		       const struct mosquitto_message *message)
{
	struct mqtt_input *input = user;
	const char *why = NULL;
	/*
	 * Parsed, a large JSON document costs several times its size: refuse
	 * it unread. (MQTT 3.1.1 gives a client no way to ask the broker for
	 * less, so libmosquitto has already held it once. MQTT 5's Maximum
	 * Packet Size on CONNECT would, but libmosquitto 2.0 sends CONNECT
	 * properties only from mosquitto_connect_bind_v5(), which blocks, and
	 * never when its network thread reconnects.)
	 */
	bool too_large = message->payloadlen > MQTT_MAX_PAYLOAD_BYTES;
	bool ok = message->payloadlen > 0 && !too_large &&
		  osd_apply(input->store, message->payload, message->payloadlen, "MQTT", false,
			    &why);
	g_mutex_lock(&input->lock);
	input->messages++;
	input->rejected += ok ? 0 : 1;
	input->too_large += too_large ? 1 : 0;
	g_mutex_unlock(&input->lock);
}

static void init_library(void)
{
	static gsize done = 0;
	if (g_once_init_enter(&done)) {
		mosquitto_lib_init();
		g_once_init_leave(&done, 1);
	}
}

struct mqtt_input *mqtt_input_start(const char *url, struct telemetry_store *store,
				    char **error)
{
	/*
	 * Split by hand, not as a URI: a topic's '#' wildcard would read as a
	 * fragment, and '+' must stay as it is.
	 */
	if (!g_str_has_prefix(url, "mqtt://")) {
		*error = g_strdup("telemetry over MQTT must start with mqtt://");
		return NULL;
	}
	const char *authority = url + strlen("mqtt://");
	const char *slash = strchr(authority, '/');
	if (slash == NULL || slash[1] == '\0') {
		*error = g_strdup("no topic in the MQTT address (mqtt://host/topic)");
		return NULL;
	}
	char *hostport = g_strndup(authority, (gsize)(slash - authority));
	char *user = NULL;
	char *password = NULL;
	char *at = strrchr(hostport, '@');
	const char *host = hostport;
	if (at != NULL) {
		*at = '\0';
		host = at + 1;
		char *colon = strchr(hostport, ':');
		if (colon != NULL) {
			*colon = '\0';
			password = g_uri_unescape_string(colon + 1, NULL);
		}
		user = g_uri_unescape_string(hostport, NULL);
	}
	int port = 1883;
	char *host_copy = g_strdup(host);
	char *colon = strrchr(host_copy, ':');
	if (colon != NULL) {
		*colon = '\0';
		port = atoi(colon + 1);
	}
	struct mqtt_input *input = NULL;
	if (*host_copy == '\0' || port <= 0 || port > 65535) {
		*error = g_strdup("the MQTT address needs a host and a port from 1 to 65535");
		goto out;
	}

	init_library();
	input = g_new0(struct mqtt_input, 1);
	g_mutex_init(&input->lock);
	input->store = store;
	input->topic = g_strdup(slash + 1);
	input->client = mosquitto_new(NULL, true, input);
	if (input->client == NULL) {
		*error = g_strdup("cannot make an MQTT client");
		goto fail;
	}
	if (user != NULL) {
		mosquitto_username_pw_set(input->client, user, password);
	}
	mosquitto_connect_callback_set(input->client, on_connect);
	mosquitto_disconnect_callback_set(input->client, on_disconnect);
	mosquitto_message_callback_set(input->client, on_message);
	/* Reconnects wait 1 s, doubling to 30 s, like the video's. */
	mosquitto_reconnect_delay_set(input->client, 1, 30, true);
	/*
	 * connect_async does not wait for the broker; a broker that is not up
	 * yet is retried by the network thread.
	 */
	mosquitto_connect_async(input->client, host_copy, port, KEEPALIVE_S);
	if (mosquitto_loop_start(input->client) != MOSQ_ERR_SUCCESS) {
		*error = g_strdup("cannot start the MQTT network thread");
		goto fail;
	}
	goto out;

fail:
	mqtt_input_stop(input);
	input = NULL;
out:
	g_free(host_copy);
	g_free(hostport);
	g_free(user);
	g_free(password);
	return input;
}

void mqtt_input_stop(struct mqtt_input *input)
{
	if (input == NULL) {
		return;
	}
	if (input->client != NULL) {
		mosquitto_disconnect(input->client);
		/*
		 * Not forced: after disconnect the network thread leaves its loop,
		 * and libmosquitto wakes it from a reconnect delay.
		 */
		mosquitto_loop_stop(input->client, false);
		mosquitto_destroy(input->client);
	}
	g_free(input->topic);
	g_mutex_clear(&input->lock);
	g_free(input);
}

bool mqtt_input_connected(struct mqtt_input *input)
{
	g_mutex_lock(&input->lock);
	bool connected = input->connected;
	g_mutex_unlock(&input->lock);
	return connected;
}

void mqtt_input_counts(struct mqtt_input *input, uint64_t *messages, uint64_t *rejected,
		       uint64_t *too_large)
{
	g_mutex_lock(&input->lock);
	*messages = input->messages;
	*rejected = input->rejected;
	*too_large = input->too_large;
	g_mutex_unlock(&input->lock);
}
