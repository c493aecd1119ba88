/*
 * wall report --from DAY [--to DAY] [--format pdf|html|csv] [--output FILE]
 *             [--state FILE] [--plugin-path DIR] LAYOUT.yaml
 *
 * Writes the inspection report (inspection/report.h) of the wall that
 * shows LAYOUT, from its state file: names and groups come from the
 * layout, history from the state file.
 */
#ifndef WALL_REPORT_COMMAND_H
#define WALL_REPORT_COMMAND_H

/** argv[0] is "report". Returns an exit code (enum wall_exit). */
int wall_report_main(int argc, char **argv);

#endif
