from .cli import main

main(prog_name="lstm-latex")
