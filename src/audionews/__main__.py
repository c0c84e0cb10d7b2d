from audionews.cli import run

run()
