# Stand-in for the ESP32's network module (see machine.py here).


class WLAN:
    IF_STA = 0

    def __init__(self, interface):
        pass

    def active(self, on=None):
        return True

    def isconnected(self):
        return False

    def connect(self, ssid, password):
        pass
