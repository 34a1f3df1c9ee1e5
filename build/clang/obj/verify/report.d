build/clang/obj/verify/report.o: verify/report.c verify/report.h

verify/report.h:
