/* hotline — a secure channel for cooperation between national cyber points
 * of contact. The entry point only dispatches; see src/cli/. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
