/*
 * How closely the four nodes of a 2x2 wall switch, and how fast a late
 * node catches up; four headless wall processes at 25 fps through a real
 * Mosquitto on loopback (the cluster test's rig).
 *
 *   skew:      SWITCHES scene changes, each sent to the next node in turn;
 *              per switch, the spread of the four presentation times on the
 *              shared clock (what each node reports on PREFIX/presented).
 *   baseline:  what a wall of four unrelated machines gives, in the same
 *              run: the same nodes without wall.cluster, each sent the
 *              command on its own open connection, one after the other as
 *              a panel would; the spread of the four answers (each sent
 *              once its frame is presented).
 *   late join: a node killed and started again, LATE_JOINS times: from its
 *              connecting to the broker to the frame that shows the
 *              current state, and from its process start.
 *
 * Run: build/tests/bench-cluster [SWITCHES]   (default 100)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cluster_rig.h"
#include "support.h"

#define LATE_JOINS 5

static int compare_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a;
	int64_t y = *(const int64_t *)b;
	return x < y ? -1 : x > y ? 1 : 0;
}

static double percentile_ms(int64_t *sorted_us, int count, double p)
{
	int index = (int)(p * (count - 1) + 0.5);
	return sorted_us[index] / 1000.0;
}

static void report(const char *what, int64_t *values_us, int count)
{
	qsort(values_us, (size_t)count, sizeof(int64_t), compare_int64);
	printf("%-34s n=%-4d p50 %8.2f ms   p95 %8.2f ms   max %8.2f ms\n", what, count,
	       percentile_ms(values_us, count, 0.50), percentile_ms(values_us, count, 0.95),
	       values_us[count - 1] / 1000.0);
}

static int64_t spread(const int64_t *times_us)
{
	int64_t lo = times_us[0], hi = times_us[0];
	for (int i = 1; i < RIG_NODES; i++) {
		lo = MIN(lo, times_us[i]);
		hi = MAX(hi, times_us[i]);
	}
	return hi - lo;
}

struct misses {
	/* Switches some node presented a frame slot later than another. */
	int other_slot;
	/* Of those, switches where a node got the command after its deadline (the
	 * others: a node that had it in time drew its frame late). */
	int deadline_missed;
};

static void measure_skew(struct cluster_rig *rig, int switches, int64_t *skew_us,
                         struct misses *misses)
{
	for (int n = 0; n < switches; n++) {
		const char *line = n % 2 == 0 ? "SCENE other" : "SCENE main";
		int64_t presented_us[RIG_NODES] = {0};
		int64_t slot_us[RIG_NODES] = {0};
		bool late[RIG_NODES] = {false};
		rig_drain(rig);
		json_object_unref(rig_ask_ok(rig, n % RIG_NODES, line));
		if (!rig_wait_presented_slots(rig, line, RIG_NODES, 60, presented_us, slot_us,
		                              late)) {
			g_error("switch %d: not every node presented it within a minute", n);
		}
		skew_us[n] = spread(presented_us);
		if (spread(slot_us) > 0) {
			misses->other_slot++;
			misses->deadline_missed += late[0] || late[1] || late[2] || late[3] ? 1 : 0;
		}
	}
}

/* The same switches sent to each machine in turn, as to four unrelated walls. */
static void measure_baseline(struct cluster_rig *rig, int switches, int64_t *skew_us)
{
	struct wall_test_client clients[RIG_NODES];
	for (int i = 0; i < RIG_NODES; i++) {
		g_assert_true(wall_test_client_open(&clients[i], rig->sockets[i]));
	}
	for (int n = 0; n < switches; n++) {
		char *line = g_strdup_printf("%s\n", n % 2 == 0 ? "SCENE other" : "SCENE main");
		int64_t answered_us[RIG_NODES];
		for (int i = 0; i < RIG_NODES; i++) {
			wall_test_client_send(&clients[i], line, strlen(line));
			json_object_unref(wall_test_client_read_ok(&clients[i]));
			answered_us[i] = g_get_real_time();
		}
		skew_us[n] = spread(answered_us);
		g_free(line);
	}
	for (int i = 0; i < RIG_NODES; i++) {
		wall_test_client_close(&clients[i]);
	}
}

static void measure_late_join(struct cluster_rig *rig, int64_t *from_connect_us,
                              int64_t *from_start_us)
{
	for (int n = 0; n < LATE_JOINS; n++) {
		rig_node_kill(rig, 1);
		const char *line = n % 2 == 0 ? "SCENE other" : "SCENE main";
		rig_drain(rig);
		json_object_unref(rig_ask_ok(rig, 0, line));
		g_assert_true(rig_wait_presented(rig, line, RIG_NODES - 1, 60, NULL));
		rig_drain(rig);
		rig_node_start(rig, 1);
		JsonObject *event = rig_wait_event(rig, "caught-up", "b", 60);
		g_assert_nonnull(event);
		int64_t shown_us = json_object_get_int_member(event, "presented_us");
		from_connect_us[n] = shown_us - json_object_get_int_member(event, "connected_us");
		from_start_us[n] = shown_us - rig->started_us[1];
		json_object_unref(event);
	}
}

int main(int argc, char **argv)
{
	int switches = argc > 1 ? atoi(argv[1]) : 100;
	if (switches < 2) {
		fprintf(stderr, "usage: %s [SWITCHES (2 or more)]\n", argv[0]);
		return 2;
	}
	/* As meson test sets them, for a run by hand. */
	g_setenv("WALL_PLUGIN_PATH", WALL_BUILD_ROOT "/plugins", FALSE);
	g_setenv("XDG_RUNTIME_DIR", g_get_tmp_dir(), FALSE);
	rig_quiet = true;

	struct cluster_rig rig;
	if (!rig_start(&rig, true)) {
		fprintf(stderr, "mosquitto is not installed\n");
		return 77;
	}
	if (!rig_wait_all_online(&rig, 60)) {
		g_error("the four nodes did not all come online");
	}
	int64_t *skew_us = g_new0(int64_t, switches);
	struct misses misses = {0};
	measure_skew(&rig, switches, skew_us, &misses);
	int64_t from_connect_us[LATE_JOINS], from_start_us[LATE_JOINS];
	measure_late_join(&rig, from_connect_us, from_start_us);
	rig_finish(&rig);

	int64_t *baseline_us = g_new0(int64_t, switches);
	if (!rig_start(&rig, false)) {
		return 77;
	}
	measure_baseline(&rig, switches, baseline_us);
	rig_finish(&rig);

	printf("4 nodes of a 2x2 wall, headless soft renderer, 25 fps (a frame is 40 ms), "
	       "Mosquitto on loopback\n");
	report("scene-change skew, cluster", skew_us, switches);
	double cluster_p95 = percentile_ms(skew_us, switches, 0.95);
	report("scene-change skew, one by one", baseline_us, switches);
	double baseline_p95 = percentile_ms(baseline_us, switches, 0.95);
	printf("switches on different frame slots: %d of %d (%d of them: a node got it after "
	       "its deadline)\n",
	       misses.other_slot, switches, misses.deadline_missed);
	printf("p95 skew, one by one / cluster:    %.1fx\n",
	       baseline_p95 / MAX(cluster_p95, 0.001));
	report("late join, connect to state shown", from_connect_us, LATE_JOINS);
	report("late join, start to state shown", from_start_us, LATE_JOINS);
	g_free(skew_us);
	g_free(baseline_us);
	return 0;
}
