/*
 * A camera tile across two nodes: do both halves show the same picture?
 * Four headless nodes of a 2x2 wall at 25 fps (tests/layouts/cluster-span.yaml),
 * the tile across nodes a and b, both decoding one RTSP camera of
 * wall-camserver (which stamps capture times in its RTCP sender reports).
 * Each node says which picture (by capture time) each frame drew on the
 * tile; per frame slot of the shared clock, a pair is "the same" when both
 * halves show the picture of one capture time.
 *
 *   held:   wall.capture_delay 300ms: each picture shown at capture + 300 ms
 *   newest: the same nodes without it: each shows its newest picture at once
 *
 * Run: build/tests/bench-cluster-span [SECONDS]   (default 60, per mode)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cluster_rig.h"
#include "support.h"

#define PERIOD_US 40000
/* Two capture times this close are one picture (a 25 fps camera's are 40 ms apart). */
#define SAME_PICTURE_US 5000

struct shown {
	int64_t slot_us;
	int64_t capture_us;
};

static GSubprocess *camserver_start(int *port)
{
	*port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	char *exe = wall_test_build_path("plugins/camera/camserver/wall-camserver");
	char *port_text = g_strdup_printf("%d", *port);
	const char *argv[] = {exe, "-p", port_text, "-n", "1", "--fps", "25", NULL};
	GSubprocess *process = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_free(port_text);
	g_free(exe);
	GSocketClient *client = g_socket_client_new();
	for (int i = 0; i < 500; i++) {
		GSocketConnection *c = g_socket_client_connect_to_host(client, "127.0.0.1",
		                                                       (guint16)*port, NULL, NULL);
		if (c != NULL) {
			g_object_unref(c);
			break;
		}
		g_usleep(20000);
	}
	g_object_unref(client);
	return process;
}

/* Collect what nodes a and b showed for seconds, once both show pictures with capture times. */
static void collect(struct cluster_rig *rig, int seconds, GArray *by_node[2])
{
	int64_t started_us = 0;
	int64_t give_up_us = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;
	bool timed[2] = {false, false};
	while (g_get_monotonic_time() < give_up_us) {
		JsonObject *event = g_async_queue_timeout_pop(rig->shown, G_USEC_PER_SEC);
		if (started_us != 0 &&
		    g_get_monotonic_time() - started_us > seconds * G_USEC_PER_SEC) {
			if (event != NULL) {
				json_object_unref(event);
			}
			return;
		}
		if (event == NULL) {
			continue;
		}
		const char *node = json_object_get_string_member_with_default(event, "node", "");
		int i = strcmp(node, "a") == 0 ? 0 : strcmp(node, "b") == 0 ? 1 : -1;
		JsonArray *pictures = json_object_get_array_member(event, "pictures");
		if (i >= 0 && pictures != NULL && json_array_get_length(pictures) > 0) {
			struct shown shown = {
			        .slot_us = json_object_get_int_member(event, "slot_us"),
			        .capture_us = json_object_get_int_member(
			                json_array_get_object_element(pictures, 0), "capture_us"),
			};
			timed[i] = timed[i] || shown.capture_us > 0;
			if (started_us == 0 && timed[0] && timed[1]) {
				/* Capture times come with the first RTCP sender reports. */
				started_us = g_get_monotonic_time();
				give_up_us = started_us + (seconds + 30) * G_USEC_PER_SEC;
			}
			if (started_us != 0) {
				g_array_append_val(by_node[i], shown);
			}
		}
		json_object_unref(event);
	}
}

/* The picture node showed at slot: the newest it drew at or before it. */
static int64_t picture_at(GArray *shown, guint *cursor, int64_t slot_us)
{
	while (*cursor + 1 < shown->len &&
	       g_array_index(shown, struct shown, *cursor + 1).slot_us <= slot_us) {
		(*cursor)++;
	}
	const struct shown *at = &g_array_index(shown, struct shown, *cursor);
	return at->slot_us <= slot_us ? at->capture_us : 0;
}

static void compare(GArray *by_node[2], int *pairs, int *same)
{
	*pairs = 0;
	*same = 0;
	if (by_node[0]->len == 0 || by_node[1]->len == 0) {
		return;
	}
	int64_t first = MAX(g_array_index(by_node[0], struct shown, 0).slot_us,
	                    g_array_index(by_node[1], struct shown, 0).slot_us);
	int64_t last = MIN(g_array_index(by_node[0], struct shown, by_node[0]->len - 1).slot_us,
	                   g_array_index(by_node[1], struct shown, by_node[1]->len - 1).slot_us);
	guint cursor[2] = {0, 0};
	for (int64_t slot_us = first; slot_us <= last; slot_us += PERIOD_US) {
		int64_t a = picture_at(by_node[0], &cursor[0], slot_us);
		int64_t b = picture_at(by_node[1], &cursor[1], slot_us);
		if (a <= 0 || b <= 0) {
			continue;
		}
		(*pairs)++;
		*same += llabs(a - b) < SAME_PICTURE_US ? 1 : 0;
	}
}

static double run_mode(int seconds, bool held, int *pairs_out)
{
	rig_no_capture_delay = !held;
	struct cluster_rig rig;
	if (!rig_start(&rig, true)) {
		exit(77);
	}
	if (!rig_wait_all_online(&rig, 60)) {
		g_error("the four nodes did not all come online");
	}
	GArray *by_node[2] = {g_array_new(FALSE, FALSE, sizeof(struct shown)),
	                      g_array_new(FALSE, FALSE, sizeof(struct shown))};
	collect(&rig, seconds, by_node);
	rig_finish(&rig);
	int pairs, same;
	compare(by_node, &pairs, &same);
	g_array_free(by_node[0], TRUE);
	g_array_free(by_node[1], TRUE);
	*pairs_out = pairs;
	return pairs > 0 ? 100.0 * same / pairs : 0.0;
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 60;
	if (seconds < 1) {
		fprintf(stderr, "usage: %s [SECONDS]\n", argv[0]);
		return 2;
	}
	g_setenv("WALL_PLUGIN_PATH", WALL_BUILD_ROOT "/plugins", FALSE);
	g_setenv("XDG_RUNTIME_DIR", g_get_tmp_dir(), FALSE);
	rig_quiet = true;
	rig_layout_name = "cluster-span.yaml";
	int camera_port = 0;
	GSubprocess *camserver = camserver_start(&camera_port);
	char *port_text = g_strdup_printf("%d", camera_port);
	rig_camera_port = port_text;

	int held_pairs = 0, newest_pairs = 0;
	double held = run_mode(seconds, true, &held_pairs);
	double newest = run_mode(seconds, false, &newest_pairs);
	wall_test_stop(camserver);
	g_free(port_text);

	printf("a 360p25 RTSP camera tile across two of four headless nodes at 25 fps, "
	       "%d s per mode\n",
	       seconds);
	printf("%-44s %6.1f %% of %d frame pairs\n", "same picture, held to capture + 300 ms", held,
	       held_pairs);
	printf("%-44s %6.1f %% of %d frame pairs\n", "same picture, newest at once", newest,
	       newest_pairs);
	printf("pairs apart, newest at once / held:          %.1fx\n",
	       (100.0 - newest) / MAX(100.0 - held, 0.1));
	return 0;
}
