/* The compositor's status: what every tile shows and every warm source does. */
#include "compositor_private.h"

#include "json_write.h"

void wall_compositor_describe(struct wall_compositor *compositor, JsonBuilder *builder,
                              int64_t now_us)
{
	json_builder_set_member_name(builder, "tiles");
	json_builder_begin_array(builder);
	for (guint i = 0; i < compositor->tiles->len; i++) {
		compositor_tile_describe(compositor->tiles->pdata[i], builder, now_us);
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
		wall_json_set_string(builder, "source", config->source->name);
		compositor_slot_describe(slot, builder, now_us);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
	compositor_describe_cameras(compositor, builder);
}
