from aquamon.cli import app

app()
