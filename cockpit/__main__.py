from cockpit.tools.cli import main

if __name__ == "__main__":  # not when a worker process (cockpit.views.draw_pool) imports the main module
    raise SystemExit(main())
