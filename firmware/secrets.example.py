# Copy to secrets.py, fill in, and upload with `make flash` (or `aquamon flash`).
# secrets.py is listed in .gitignore: it never goes into the repository.
# Each device has its own COMMAND_KEY; the server side keeps the same key to
# sign commands (aquamon command --key-file ...).  Make one with:
#     python3 -c "import secrets; print(secrets.token_hex(32))"

WIFI_SSID = "my-wifi"
WIFI_PASSWORD = "change me"
MQTT_PASSWORD = "the device account's password"
# Empty = commands disabled (the status says so).  Never leave a placeholder text
# here: any text of 16+ bytes is a valid key, and a published one is no secret.
COMMAND_KEY = ""
