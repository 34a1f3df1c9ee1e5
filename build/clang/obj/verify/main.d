build/clang/obj/verify/main.o: verify/main.c verify/cmd.h

verify/cmd.h:
