build/obj/verify/cmd_ima.o: verify/cmd_ima.c verify/cmd.h
verify/cmd.h:
