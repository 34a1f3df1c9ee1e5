/* Temporary: replaced in this session. */
#include <stdio.h>
int main(void) { puts("dossier-collect " DOSSIER_VERSION); return 0; }
