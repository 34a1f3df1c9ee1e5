build/obj/verify/cmd_ekcert.o: verify/cmd_ekcert.c verify/cmd.h
verify/cmd.h:
