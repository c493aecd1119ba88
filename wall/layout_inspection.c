/* wall.inspection: the inspection scheduler's settings (inspection/config.h). */
#include <string.h>

#include "layout.h"
#include "layout_loader.h"
#include "value.h"

struct wall_inspection_config wall_inspection_config_default(void)
{
	return (struct wall_inspection_config){
	        .every_ms = 10 * 60 * 1000,
	        .concurrency = 2,
	        .visit_ms = 4000,
	        .open_timeout_ms = 10000,
	        .keep_ms = 0,
	        .thresholds = wall_quality_default_thresholds(),
	};
}

static bool want_duration(struct loader *ld, const node_t *node, int64_t min_ms, int64_t *ms)
{
	if (!loader_is_scalar(node) || !wall_parse_duration_ms(node->text, ms)) {
		return loader_fail_got(ld, node, "a duration like 30s, 10m, 1h or 90d");
	}
	if (*ms < min_ms) {
		return loader_fail(ld, node, "%s is too short: at least %" G_GINT64_FORMAT " ms",
		                   node->text, min_ms);
	}
	return true;
}

static bool want_number(struct loader *ld, const node_t *node, double min, double max,
                        double *value)
{
	if (!loader_is_scalar(node) || !loader_parse_double(node->text, value)) {
		return loader_fail_got(ld, node, "a number");
	}
	if (*value < min || *value > max) {
		return loader_fail(ld, node, "%s is out of range: expected %g to %g", node->text,
		                   min, max);
	}
	return true;
}

/* Every threshold, by its name in the layout, with its range. */
static bool parse_thresholds(struct loader *ld, const node_t *map,
                             struct wall_quality_thresholds *t)
{
	struct number {
		const char *name;
		double *value;
		double min, max;
	};
	const struct number numbers[] = {
	        {"black_mean", &t->black_mean, 0, 255},
	        {"black_stddev", &t->black_stddev, 0, 128},
	        {"dark_mean", &t->dark_mean, 0, 255},
	        {"bright_mean", &t->bright_mean, 0, 255},
	        {"contrast_stddev", &t->contrast_stddev, 0, 128},
	        {"blur_sharpness", &t->blur_sharpness, 0, 100},
	        {"cast", &t->cast, 0, 182},
	        {"noise_sigma", &t->noise_sigma, 0, 255},
	        {"frozen_similarity", &t->frozen_similarity, 0, 1},
	        {"min_fps", &t->min_fps, 0, 1000},
	};
	static const char *const keys[] = {
	        "black_mean",
	        "black_stddev",
	        "dark_mean",
	        "bright_mean",
	        "contrast_stddev",
	        "blur_sharpness",
	        "cast",
	        "noise_sigma",
	        "frozen_similarity",
	        "min_fps",
	        "frozen_pictures",
	        "min_width",
	        "min_height",
	        NULL,
	};
	if (!loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING,
	                      "a mapping of thresholds, like {dark_mean: 30}") ||
	    !loader_check_keys(ld, map, keys, "wall.inspection.thresholds")) {
		return false;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(numbers); i++) {
		const node_t *node = wall_yaml_mapping_get(map, numbers[i].name);
		if (node != NULL &&
		    !want_number(ld, node, numbers[i].min, numbers[i].max, numbers[i].value)) {
			return false;
		}
	}
	const node_t *node;
	int64_t value;
	if ((node = wall_yaml_mapping_get(map, "frozen_pictures")) != NULL) {
		if (!loader_want_int(ld, node, 2, 1000, &value)) {
			return false;
		}
		t->frozen_pictures = (int)value;
	}
	if ((node = wall_yaml_mapping_get(map, "min_width")) != NULL) {
		if (!loader_want_int(ld, node, 0, 16384, &value)) {
			return false;
		}
		t->min_width_px = (int)value;
	}
	if ((node = wall_yaml_mapping_get(map, "min_height")) != NULL) {
		if (!loader_want_int(ld, node, 0, 16384, &value)) {
			return false;
		}
		t->min_height_px = (int)value;
	}
	return true;
}

bool layout_parse_inspection(struct loader *ld, const node_t *map)
{
	static const char *const keys[] = {
	        "every",         "concurrency", "visit",      "open_timeout",
	        "alarm_offline", "keep",        "thresholds", NULL};
	struct wall_inspection_config *config = &ld->layout->inspection;
	*config = wall_inspection_config_default();
	if (!loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING,
	                      "a mapping like {every: 10m, concurrency: 2}") ||
	    !loader_check_keys(ld, map, keys, "wall.inspection")) {
		return false;
	}
	const node_t *node;
	/* A visit takes seconds: a shorter period would only queue them. */
	if ((node = wall_yaml_mapping_get(map, "every")) != NULL &&
	    !want_duration(ld, node, 10000, &config->every_ms)) {
		return false;
	}
	int64_t concurrency;
	if ((node = wall_yaml_mapping_get(map, "concurrency")) != NULL) {
		if (!loader_want_int(ld, node, 1, 64, &concurrency)) {
			return false;
		}
		config->concurrency = (int)concurrency;
	}
	if ((node = wall_yaml_mapping_get(map, "visit")) != NULL &&
	    !want_duration(ld, node, 1000, &config->visit_ms)) {
		return false;
	}
	if ((node = wall_yaml_mapping_get(map, "open_timeout")) != NULL &&
	    !want_duration(ld, node, 1000, &config->open_timeout_ms)) {
		return false;
	}
	if ((node = wall_yaml_mapping_get(map, "alarm_offline")) != NULL &&
	    !want_duration(ld, node, 1000, &config->alarm_offline_ms)) {
		return false;
	}
	if ((node = wall_yaml_mapping_get(map, "keep")) != NULL &&
	    !want_duration(ld, node, 3600 * 1000, &config->keep_ms)) {
		return false;
	}
	if ((node = wall_yaml_mapping_get(map, "thresholds")) != NULL &&
	    !parse_thresholds(ld, node, &config->thresholds)) {
		return false;
	}
	config->enabled = true;
	return true;
}
