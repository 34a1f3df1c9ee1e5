build/clang/obj/verify/cmd_quote.o: verify/cmd_quote.c verify/cmd.h

verify/cmd.h:
