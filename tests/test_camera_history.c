/* Camera health history: transitions kept in a real SQLite state file, the
 * online rate computed from them, and a restart that counts the wall's own
 * downtime as unknown. */
#include <glib.h>
#include <glib/gstdio.h>

#include "clock.h"
#include "inspection/camera_history.h"

#define S(seconds) ((int64_t)(seconds)*G_USEC_PER_SEC)
/* A fixed wall-clock origin: 2026-03-01 00:00:00 UTC. */
#define T0 S(1772323200)

struct fixture {
	char *dir;
	char *path;
};

static void setup(struct fixture *fx, gconstpointer data)
{
	(void)data;
	fx->dir = g_dir_make_tmp("wall-history-XXXXXX", NULL);
	g_assert_nonnull(fx->dir);
	fx->path = g_build_filename(fx->dir, "state.sqlite", NULL);
}

static void teardown(struct fixture *fx, gconstpointer data)
{
	(void)data;
	g_unlink(fx->path);
	char *wal = g_strconcat(fx->path, "-wal", NULL);
	char *shm = g_strconcat(fx->path, "-shm", NULL);
	g_unlink(wal);
	g_unlink(shm);
	g_free(wal);
	g_free(shm);
	g_rmdir(fx->dir);
	g_free(fx->path);
	g_free(fx->dir);
}

static struct wall_camera_history *open_at(struct fixture *fx, int64_t now_us)
{
	GError *error = NULL;
	struct wall_camera_history *history =
	        wall_camera_history_open(fx->path, "/layouts/town.yaml", &error);
	g_assert_no_error(error);
	g_assert_nonnull(history);
	g_assert_true(wall_camera_history_begin_run(history, now_us));
	return history;
}

static void test_transitions_and_reason(struct fixture *fx, gconstpointer data)
{
	(void)data;
	struct wall_camera_history *history = open_at(fx, T0);
	g_assert_true(wall_camera_history_record(history, "cam-1", WALL_CAMERA_ONLINE, T0,
	                                         "first picture"));
	g_assert_true(wall_camera_history_record(history, "cam-1", WALL_CAMERA_OFFLINE, T0 + S(60),
	                                         "no data for 5 s"));
	/* The same state again is no transition: "since" stays. */
	g_assert_true(wall_camera_history_record(history, "cam-1", WALL_CAMERA_OFFLINE, T0 + S(90),
	                                         "no data for 5 s"));
	enum wall_camera_state state;
	int64_t since_us;
	char *reason = NULL;
	g_assert_true(wall_camera_history_last(history, "cam-1", &state, &since_us, &reason));
	g_assert_cmpint(state, ==, WALL_CAMERA_OFFLINE);
	g_assert_cmpint(since_us, ==, T0 + S(60));
	g_assert_cmpstr(reason, ==, "no data for 5 s");
	g_free(reason);
	g_assert_false(wall_camera_history_last(history, "cam-2", NULL, NULL, NULL));

	/* Online 60 s, offline 40 s over [T0, T0+100). */
	struct wall_camera_tally tally = {0};
	g_assert_true(wall_camera_history_tally(history, "cam-1", T0, T0 + S(100), &tally));
	g_assert_cmpfloat_with_epsilon(tally.online_s, 60, 1e-6);
	g_assert_cmpfloat_with_epsilon(tally.offline_s, 40, 1e-6);
	g_assert_cmpfloat_with_epsilon(tally.unknown_s, 0, 1e-6);
	double rate = -1;
	g_assert_true(wall_camera_tally_rate(&tally, &rate));
	g_assert_cmpfloat_with_epsilon(rate, 0.6, 1e-9);

	/* A span that starts inside the offline stretch starts offline. */
	struct wall_camera_tally late = {0};
	g_assert_true(wall_camera_history_tally(history, "cam-1", T0 + S(70), T0 + S(80), &late));
	g_assert_cmpfloat_with_epsilon(late.offline_s, 10, 1e-6);
	g_assert_cmpfloat_with_epsilon(late.online_s, 0, 1e-6);

	/* Before its first transition a camera is unknown, and has no rate. */
	struct wall_camera_tally before = {0};
	g_assert_true(wall_camera_history_tally(history, "cam-1", T0 - S(50), T0, &before));
	g_assert_cmpfloat_with_epsilon(before.unknown_s, 50, 1e-6);
	g_assert_false(wall_camera_tally_rate(&before, &rate));
	wall_camera_history_close(history);
}

/* The wall stops at T0+100 and starts again at T0+400: the 300 s between
 * are unknown, not offline, and "since" survives the restart. */
static void test_restart_counts_downtime_unknown(struct fixture *fx, gconstpointer data)
{
	(void)data;
	struct wall_camera_history *history = open_at(fx, T0);
	wall_camera_history_record(history, "cam-1", WALL_CAMERA_ONLINE, T0, "first picture");
	wall_camera_history_record(history, "cam-2", WALL_CAMERA_OFFLINE, T0, "connection refused");
	wall_camera_history_heartbeat(history, T0 + S(50));
	/* The last heartbeat, as the wall writes when it stops. */
	wall_camera_history_heartbeat(history, T0 + S(100));
	wall_camera_history_close(history);

	history = open_at(fx, T0 + S(400));
	enum wall_camera_state state;
	int64_t since_us;
	char *reason = NULL;
	g_assert_true(wall_camera_history_last(history, "cam-1", &state, &since_us, &reason));
	g_assert_cmpint(state, ==, WALL_CAMERA_UNKNOWN);
	g_assert_cmpint(since_us, ==, T0 + S(100));
	g_assert_cmpstr(reason, ==, "wall not running");
	g_free(reason);
	wall_camera_history_record(history, "cam-1", WALL_CAMERA_ONLINE, T0 + S(410),
	                           "first picture");
	wall_camera_history_record(history, "cam-2", WALL_CAMERA_OFFLINE, T0 + S(410),
	                           "connection refused");

	struct wall_camera_tally one = {0};
	g_assert_true(wall_camera_history_tally(history, "cam-1", T0, T0 + S(500), &one));
	g_assert_cmpfloat_with_epsilon(one.online_s, 100 + 90, 1e-6);
	g_assert_cmpfloat_with_epsilon(one.unknown_s, 310, 1e-6);
	g_assert_cmpfloat_with_epsilon(one.offline_s, 0, 1e-6);
	double rate = -1;
	g_assert_true(wall_camera_tally_rate(&one, &rate));
	g_assert_cmpfloat_with_epsilon(rate, 1.0, 1e-9);

	/* A group sums its cameras: 190 s online of 190 + 190 known. */
	struct wall_camera_tally group = one;
	g_assert_true(wall_camera_history_tally(history, "cam-2", T0, T0 + S(500), &group));
	g_assert_true(wall_camera_tally_rate(&group, &rate));
	g_assert_cmpfloat_with_epsilon(rate, 0.5, 1e-9);

	wall_camera_history_close(history);
}

static void count_camera(void *user, const char *camera)
{
	GPtrArray *names = user;
	g_ptr_array_add(names, g_strdup(camera));
}

/* Another wall (another layout) in the same file keeps its own history. */
static void test_layouts_apart(struct fixture *fx, gconstpointer data)
{
	(void)data;
	struct wall_camera_history *ours = open_at(fx, T0);
	GError *error = NULL;
	struct wall_camera_history *theirs =
	        wall_camera_history_open(fx->path, "/layouts/other.yaml", &error);
	g_assert_no_error(error);
	wall_camera_history_record(ours, "cam-b", WALL_CAMERA_ONLINE, T0, "first picture");
	wall_camera_history_record(ours, "cam-a", WALL_CAMERA_OFFLINE, T0, "timeout");
	wall_camera_history_record(theirs, "cam-z", WALL_CAMERA_ONLINE, T0, "first picture");
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	wall_camera_history_foreach_camera(ours, count_camera, names);
	g_assert_cmpuint(names->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(names, 0), ==, "cam-a");
	g_assert_cmpstr(g_ptr_array_index(names, 1), ==, "cam-b");
	g_ptr_array_unref(names);
	wall_camera_history_close(theirs);
	wall_camera_history_close(ours);
}

/* A file that is not SQLite is refused with its path in the error. */
static void test_not_a_state_file(struct fixture *fx, gconstpointer data)
{
	(void)data;
	g_assert_true(g_file_set_contents(fx->path, "not a database, just text\n", -1, NULL));
	GError *error = NULL;
	struct wall_camera_history *history =
	        wall_camera_history_open(fx->path, "/layouts/town.yaml", &error);
	g_assert_null(history);
	g_assert_nonnull(error);
	g_assert_true(g_str_has_prefix(error->message, fx->path));
	g_error_free(error);
}

static void test_buckets(void)
{
	int64_t now_us = g_get_real_time();
	int64_t from_us, to_us;
	wall_camera_history_hour(now_us, &from_us, &to_us);
	g_assert_cmpint(from_us, <=, now_us);
	g_assert_cmpint(now_us, <, to_us);
	g_assert_cmpint(to_us - from_us, ==, S(3600));
	wall_camera_history_day(now_us, &from_us, &to_us);
	g_assert_cmpint(from_us, <=, now_us);
	g_assert_cmpint(now_us, <, to_us);
	/* 23 to 25 hours where the clocks change. */
	g_assert_cmpint(to_us - from_us, >=, S(23 * 3600));
	g_assert_cmpint(to_us - from_us, <=, S(25 * 3600));
	GDateTime *start = g_date_time_new_from_unix_local(from_us / G_USEC_PER_SEC);
	g_assert_cmpint(g_date_time_get_hour(start), ==, 0);
	g_date_time_unref(start);
}

/* A slate's "offline since" carries the date when it is not today. */
static void test_since_text(void)
{
	int64_t now_us = g_get_real_time();
	int64_t day_us, end_us;
	wall_camera_history_day(now_us, &day_us, &end_us);
	char *today = wall_clock_since_text(day_us, now_us);
	g_assert_cmpstr(today, ==, "00:00:00");
	GDateTime *yesterday = g_date_time_new_from_unix_local(day_us / G_USEC_PER_SEC - 1);
	char *expected = g_date_time_format(yesterday, "%Y-%m-%d 23:59:59");
	char *before = wall_clock_since_text(day_us - S(1), now_us);
	g_assert_cmpstr(before, ==, expected);
	g_free(before);
	g_free(expected);
	g_date_time_unref(yesterday);
	g_free(today);
}


/* Pruning forgets what is older than the kept span, but not the state a
 * camera was in at its edge: the rate over a later span is the same. */
static void test_prune_keeps_current_state(struct fixture *fx, gconstpointer data)
{
	(void)data;
	struct wall_camera_history *history = open_at(fx, T0);
	g_assert_true(wall_camera_history_record(history, "cam-1", WALL_CAMERA_ONLINE, T0, "up"));
	g_assert_true(wall_camera_history_record(history, "cam-1", WALL_CAMERA_OFFLINE,
	                                         T0 + S(100), "refused"));
	g_assert_true(wall_camera_history_record(history, "cam-1", WALL_CAMERA_ONLINE,
	                                         T0 + S(200), "up"));
	g_assert_true(wall_camera_history_record(history, "cam-2", WALL_CAMERA_OFFLINE,
	                                         T0 + S(50), "refused"));
	GBytes *png = g_bytes_new_static("\x89PNG", 4);
	for (int i = 0; i < 3; i++) {
		g_assert_true(wall_camera_history_add_result(history, "cam-1", T0 + S(100 * i),
		                                             "black", 10, 20, true, png));
	}
	g_bytes_unref(png);
	struct wall_camera_tally before = {0};
	g_assert_true(wall_camera_history_tally(history, "cam-1", T0 + S(250), T0 + S(300), &before));
	struct wall_camera_tally before_2 = {0};
	g_assert_true(wall_camera_history_tally(history, "cam-2", T0 + S(250), T0 + S(300), &before_2));

	/* Keep from T0+250: two transitions of cam-1 and the three results go; each
	 * camera's last transition before the cut stays. */
	g_assert_cmpint(wall_camera_history_prune(history, T0 + S(250)), ==, 2 + 3);
	struct wall_camera_tally after = {0};
	g_assert_true(wall_camera_history_tally(history, "cam-1", T0 + S(250), T0 + S(300), &after));
	g_assert_cmpfloat_with_epsilon(after.online_s, before.online_s, 1e-6);
	g_assert_cmpfloat_with_epsilon(after.online_s, 50, 1e-6);
	struct wall_camera_tally after_2 = {0};
	g_assert_true(wall_camera_history_tally(history, "cam-2", T0 + S(250), T0 + S(300), &after_2));
	g_assert_cmpfloat_with_epsilon(after_2.offline_s, before_2.offline_s, 1e-6);
	g_assert_cmpfloat_with_epsilon(after_2.offline_s, 50, 1e-6);
	enum wall_camera_state state;
	int64_t since_us;
	g_assert_true(wall_camera_history_last(history, "cam-1", &state, &since_us, NULL));
	g_assert_cmpint(state, ==, WALL_CAMERA_ONLINE);
	g_assert_cmpint(since_us, ==, T0 + S(200));
	/* Nothing more to forget. */
	g_assert_cmpint(wall_camera_history_prune(history, T0 + S(250)), ==, 0);
	wall_camera_history_close(history);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/camera-history/transitions", struct fixture, NULL, setup,
	           test_transitions_and_reason, teardown);
	g_test_add("/camera-history/restart", struct fixture, NULL, setup,
	           test_restart_counts_downtime_unknown, teardown);
	g_test_add("/camera-history/layouts-apart", struct fixture, NULL, setup, test_layouts_apart,
	           teardown);
	g_test_add("/camera-history/not-a-state-file", struct fixture, NULL, setup,
	           test_not_a_state_file, teardown);
	g_test_add("/camera-history/prune", struct fixture, NULL, setup,
	           test_prune_keeps_current_state, teardown);
	g_test_add_func("/camera-history/buckets", test_buckets);
	g_test_add_func("/camera-history/since-text", test_since_text);
	return g_test_run();
}
