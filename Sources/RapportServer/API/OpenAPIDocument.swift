/// The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json. A test checks that it names
/// exactly the API routes Vapor has, so the two cannot drift apart.
enum OpenAPIDocument {
    static let json = #"""
{
 "openapi": "3.1.0",
 "info": {
  "title": "Rapport API",
  "version": "1.0.0",
  "description": "The same operations as Rapport's pages. Sign in with POST /sessions, then send `Authorization: Bearer <token>`. Errors are RFC 9457 problem details (application/problem+json). Every read or write of a client's record, and every refused attempt, is written to the audit trail."
 },
 "servers": [
  {
   "url": "/api/v1"
  }
 ],
 "paths": {
  "/openapi.json": {
   "get": {
    "operationId": "getOpenAPI",
    "summary": "This document",
    "responses": {
     "200": {
      "description": "The OpenAPI document"
     }
    },
    "security": []
   }
  },
  "/setup": {
   "post": {
    "operationId": "setUpPractice",
    "summary": "Create the practice and its owner with a one-time setup token",
    "responses": {
     "201": {
      "description": "The owner's account",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/P400"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     },
     "410": {
      "$ref": "#/components/responses/P410"
     },
     "422": {
      "$ref": "#/components/responses/P422"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SetupRequest"
       }
      }
     }
    },
    "security": []
   }
  },
  "/sessions": {
   "post": {
    "operationId": "signIn",
    "summary": "Sign in (owner and therapists add their 6-digit code)",
    "responses": {
     "201": {
      "description": "A bearer token",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Session"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/P400"
     },
     "409": {
      "$ref": "#/components/responses/P409"
     },
     "422": {
      "$ref": "#/components/responses/P422"
     },
     "429": {
      "$ref": "#/components/responses/P429"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SignInRequest"
       }
      }
     }
    },
    "security": []
   }
  },
  "/sessions/current": {
   "delete": {
    "operationId": "signOut",
    "summary": "Sign out (ends this token)",
    "responses": {
     "204": {
      "description": "Signed out"
     },
     "401": {
      "$ref": "#/components/responses/P401"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/me": {
   "get": {
    "operationId": "getMe",
    "summary": "The signed-in account",
    "responses": {
     "200": {
      "description": "The account",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/P401"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/invitations/therapists": {
   "post": {
    "operationId": "inviteTherapist",
    "summary": "Owner: invite a therapist",
    "responses": {
     "201": {
      "description": "The invitation link",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Invitation"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/P400"
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "422": {
      "$ref": "#/components/responses/P422"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/InviteRequest"
       }
      }
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/invitations/{token}": {
   "get": {
    "operationId": "getInvitation",
    "summary": "What an invitation is for",
    "responses": {
     "200": {
      "description": "The pending invitation",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/PendingInvitation"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/P404"
     },
     "410": {
      "$ref": "#/components/responses/P410"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/token"
     }
    ],
    "security": []
   }
  },
  "/invitations/{token}/accept": {
   "post": {
    "operationId": "acceptInvitation",
    "summary": "Accept an invitation by choosing a password",
    "responses": {
     "201": {
      "description": "The new account",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/P400"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     },
     "410": {
      "$ref": "#/components/responses/P410"
     },
     "422": {
      "$ref": "#/components/responses/P422"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AcceptRequest"
       }
      }
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/token"
     }
    ],
    "security": []
   }
  },
  "/clients": {
   "get": {
    "operationId": "listClients",
    "summary": "Therapist: your caseload",
    "responses": {
     "200": {
      "description": "Clients on your care teams",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Client"
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "post": {
    "operationId": "inviteClient",
    "summary": "Therapist: create a client's record and invite them",
    "responses": {
     "201": {
      "description": "The invitation link and the new client's id",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Invitation"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/P400"
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "422": {
      "$ref": "#/components/responses/P422"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/InviteRequest"
       }
      }
     }
    },
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/clients/{clientID}": {
   "get": {
    "operationId": "getClient",
    "summary": "One client on your care team",
    "responses": {
     "200": {
      "description": "The client",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Client"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/clientID"
     }
    ],
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/clients/{clientID}/progress-notes": {
   "get": {
    "operationId": "listProgressNotes",
    "summary": "The client's progress notes, newest first",
    "responses": {
     "200": {
      "description": "Notes",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Note"
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/clientID"
     }
    ],
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "post": {
    "operationId": "writeProgressNote",
    "summary": "Write a progress note",
    "responses": {
     "201": {
      "description": "The note",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Note"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/P400"
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     },
     "422": {
      "$ref": "#/components/responses/P422"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/NoteRequest"
       }
      }
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/clientID"
     }
    ],
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/clients/{clientID}/progress-notes/{noteID}": {
   "get": {
    "operationId": "getProgressNote",
    "summary": "One progress note",
    "responses": {
     "200": {
      "description": "The note",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Note"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/clientID"
     },
     {
      "$ref": "#/components/parameters/noteID"
     }
    ],
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/clients/{clientID}/psychotherapy-notes": {
   "get": {
    "operationId": "listPsychotherapyNotes",
    "summary": "Your own psychotherapy notes about this client (never anyone else's)",
    "responses": {
     "200": {
      "description": "Notes",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Note"
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/clientID"
     }
    ],
    "security": [
     {
      "bearer": []
     }
    ]
   },
   "post": {
    "operationId": "writePsychotherapyNote",
    "summary": "Write a psychotherapy note, readable by you only",
    "responses": {
     "201": {
      "description": "The note",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Note"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/P400"
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     },
     "422": {
      "$ref": "#/components/responses/P422"
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/NoteRequest"
       }
      }
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/clientID"
     }
    ],
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/clients/{clientID}/psychotherapy-notes/{noteID}": {
   "get": {
    "operationId": "getPsychotherapyNote",
    "summary": "One of your psychotherapy notes",
    "responses": {
     "200": {
      "description": "The note",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Note"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/clientID"
     },
     {
      "$ref": "#/components/parameters/noteID"
     }
    ],
    "security": [
     {
      "bearer": []
     }
    ]
   }
  },
  "/instruments": {
   "get": {
    "operationId": "listInstruments",
    "summary": "The measures Rapport knows (no sign-in needed)",
    "security": [],
    "responses": {
     "200": {
      "description": "Instruments",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/InstrumentSummary"
         }
        }
       }
      }
     }
    }
   }
  },
  "/instruments/{instrumentID}": {
   "get": {
    "operationId": "getInstrument",
    "summary": "One definition, FHIR Questionnaire-shaped (no sign-in needed)",
    "security": [],
    "parameters": [
     {
      "$ref": "#/components/parameters/instrumentID"
     }
    ],
    "responses": {
     "200": {
      "description": "The definition",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/P404"
     }
    }
   }
  },
  "/instruments/{instrumentID}/score": {
   "post": {
    "operationId": "scoreInstrument",
    "summary": "Score answers: total, band, flags. Nothing is stored; no sign-in needed.",
    "security": [],
    "parameters": [
     {
      "$ref": "#/components/parameters/instrumentID"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ScoreRequest"
       },
       "example": {
        "answers": [
         1,
         2,
         1,
         0,
         1,
         2,
         1,
         0,
         1
        ]
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The score",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ScoreResult"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/P400"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     },
     "422": {
      "$ref": "#/components/responses/P422"
     }
    }
   }
  },
  "/instruments/{instrumentID}/change": {
   "post": {
    "operationId": "classifyChange",
    "summary": "First against latest total: Jacobson-Truax RCI and NHS Talking Therapies episode outcomes. Nothing is stored; no sign-in needed.",
    "security": [],
    "parameters": [
     {
      "$ref": "#/components/parameters/instrumentID"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ChangeRequest"
       },
       "example": {
        "before": 15,
        "after": 8
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The change",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ChangeResult"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/P400"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     },
     "422": {
      "$ref": "#/components/responses/P422"
     }
    }
   }
  },
  "/clients/{clientID}/appointments": {
   "get": {
    "operationId": "listAppointments",
    "summary": "The client's sessions, oldest first",
    "security": [
     {
      "bearer": []
     }
    ],
    "parameters": [
     {
      "$ref": "#/components/parameters/clientID"
     }
    ],
    "responses": {
     "200": {
      "description": "Sessions",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Appointment"
         }
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     }
    }
   },
   "post": {
    "operationId": "scheduleAppointment",
    "summary": "Book a session",
    "security": [
     {
      "bearer": []
     }
    ],
    "parameters": [
     {
      "$ref": "#/components/parameters/clientID"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AppointmentRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "The session",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Appointment"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/P400"
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     },
     "422": {
      "$ref": "#/components/responses/P422"
     }
    }
   }
  },
  "/clients/{clientID}/appointments/{appointmentID}/attendance": {
   "post": {
    "operationId": "recordAttendance",
    "summary": "Record what happened at a session that has started",
    "security": [
     {
      "bearer": []
     }
    ],
    "parameters": [
     {
      "$ref": "#/components/parameters/clientID"
     },
     {
      "$ref": "#/components/parameters/appointmentID"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/AttendanceRequest"
       }
      }
     }
    },
    "responses": {
     "204": {
      "description": "Recorded"
     },
     "400": {
      "$ref": "#/components/responses/P400"
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     },
     "422": {
      "$ref": "#/components/responses/P422"
     }
    }
   }
  },
  "/clients/{clientID}/check-ins": {
   "get": {
    "operationId": "listCheckIns",
    "summary": "The client's check-ins: measures asked, due / overdue / done per session, scored results with opened answers and comments, open risk alerts, and first-to-latest change per measure",
    "security": [
     {
      "bearer": []
     }
    ],
    "parameters": [
     {
      "$ref": "#/components/parameters/clientID"
     }
    ],
    "responses": {
     "200": {
      "description": "Measures, what is due, results, open risk alerts and change",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/CheckInListing"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     }
    }
   },
   "post": {
    "operationId": "enterCheckIn",
    "summary": "Enter answers the client gave in the room. Scored at once; a risk item above 0 raises a risk alert and notifies the care team.",
    "security": [
     {
      "bearer": []
     }
    ],
    "parameters": [
     {
      "$ref": "#/components/parameters/clientID"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CheckInEntryRequest"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "The scored check-in",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/CheckInResult"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/P400"
     },
     "401": {
      "$ref": "#/components/responses/P401"
     },
     "403": {
      "$ref": "#/components/responses/P403"
     },
     "404": {
      "$ref": "#/components/responses/P404"
     },
     "409": {
      "$ref": "#/components/responses/P409"
     },
     "422": {
      "$ref": "#/components/responses/P422"
     }
    }
   }
  }
 },
 "components": {
  "securitySchemes": {
   "bearer": {
    "type": "http",
    "scheme": "bearer"
   }
  },
  "parameters": {
   "token": {
    "name": "token",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string"
    }
   },
   "clientID": {
    "name": "clientID",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string",
     "format": "uuid"
    }
   },
   "noteID": {
    "name": "noteID",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string",
     "format": "uuid"
    }
   },
   "instrumentID": {
    "name": "instrumentID",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string"
    },
    "example": "phq-9"
   },
   "appointmentID": {
    "name": "appointmentID",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string",
     "format": "uuid"
    }
   }
  },
  "responses": {
   "P400": {
    "description": "The request could not be read",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "P401": {
    "description": "Not signed in",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "P403": {
    "description": "Not allowed for this role",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "P404": {
    "description": "Not found, or not part of your account",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "P409": {
    "description": "Conflict",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "P410": {
    "description": "Link expired or already used",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "P422": {
    "description": "Some fields need another look",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   },
   "P429": {
    "description": "Too many attempts; try again later",
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    }
   }
  },
  "schemas": {
   "Problem": {
    "type": "object",
    "required": [
     "type",
     "title",
     "status",
     "detail"
    ],
    "properties": {
     "type": {
      "type": "string"
     },
     "title": {
      "type": "string"
     },
     "status": {
      "type": "integer"
     },
     "detail": {
      "type": "string"
     },
     "instance": {
      "type": "string"
     },
     "request_id": {
      "type": "string"
     },
     "errors": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "field",
        "message"
       ],
       "properties": {
        "field": {
         "type": "string"
        },
        "message": {
         "type": "string"
        }
       }
      }
     }
    }
   },
   "SetupRequest": {
    "type": "object",
    "required": [
     "token",
     "practice_name",
     "name",
     "email",
     "password"
    ],
    "properties": {
     "token": {
      "type": "string"
     },
     "practice_name": {
      "type": "string",
      "maxLength": 200
     },
     "name": {
      "type": "string",
      "maxLength": 200
     },
     "email": {
      "type": "string",
      "format": "email"
     },
     "password": {
      "type": "string",
      "minLength": 12,
      "maxLength": 128
     }
    }
   },
   "SignInRequest": {
    "type": "object",
    "required": [
     "email",
     "password"
    ],
    "properties": {
     "email": {
      "type": "string"
     },
     "password": {
      "type": "string"
     },
     "code": {
      "type": "string",
      "description": "6-digit TOTP code; required for owner and therapists"
     }
    }
   },
   "Session": {
    "type": "object",
    "required": [
     "token",
     "token_type",
     "expires_at",
     "user"
    ],
    "properties": {
     "token": {
      "type": "string"
     },
     "token_type": {
      "const": "Bearer"
     },
     "expires_at": {
      "type": "string",
      "format": "date-time"
     },
     "user": {
      "$ref": "#/components/schemas/User"
     }
    }
   },
   "User": {
    "type": "object",
    "required": [
     "id",
     "role",
     "name",
     "practice_id",
     "two_factor_enabled"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid"
     },
     "role": {
      "enum": [
       "owner",
       "therapist",
       "client"
      ]
     },
     "name": {
      "type": "string"
     },
     "practice_id": {
      "type": "string",
      "format": "uuid"
     },
     "client_id": {
      "type": [
       "string",
       "null"
      ],
      "format": "uuid"
     },
     "two_factor_enabled": {
      "type": "boolean"
     }
    }
   },
   "InviteRequest": {
    "type": "object",
    "required": [
     "name",
     "email"
    ],
    "properties": {
     "name": {
      "type": "string",
      "maxLength": 200
     },
     "email": {
      "type": "string",
      "format": "email"
     }
    }
   },
   "Invitation": {
    "type": "object",
    "required": [
     "invitation_link",
     "expires_at"
    ],
    "properties": {
     "invitation_link": {
      "type": "string",
      "format": "uri"
     },
     "expires_at": {
      "type": "string",
      "format": "date-time"
     },
     "client_id": {
      "type": [
       "string",
       "null"
      ],
      "format": "uuid"
     }
    }
   },
   "PendingInvitation": {
    "type": "object",
    "required": [
     "role",
     "name",
     "email",
     "practice_name",
     "expires_at"
    ],
    "properties": {
     "role": {
      "enum": [
       "therapist",
       "client"
      ]
     },
     "name": {
      "type": "string"
     },
     "email": {
      "type": "string"
     },
     "practice_name": {
      "type": "string"
     },
     "expires_at": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "AcceptRequest": {
    "type": "object",
    "required": [
     "password"
    ],
    "properties": {
     "password": {
      "type": "string",
      "minLength": 12,
      "maxLength": 128
     }
    }
   },
   "Client": {
    "type": "object",
    "required": [
     "id",
     "name",
     "has_joined",
     "risk_alert"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid"
     },
     "name": {
      "type": "string"
     },
     "has_joined": {
      "type": "boolean"
     },
     "risk_alert": {
      "type": "boolean",
      "description": "An open risk alert: a risk item answered above 0, not yet marked as seen"
     }
    }
   },
   "NoteRequest": {
    "type": "object",
    "required": [
     "body"
    ],
    "properties": {
     "body": {
      "type": "string",
      "minLength": 1,
      "maxLength": 50000
     }
    }
   },
   "Note": {
    "type": "object",
    "required": [
     "id",
     "kind",
     "client_id",
     "author_id",
     "created_at",
     "body"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid"
     },
     "kind": {
      "enum": [
       "progress",
       "psychotherapy"
      ]
     },
     "client_id": {
      "type": "string",
      "format": "uuid"
     },
     "author_id": {
      "type": "string",
      "format": "uuid"
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "body": {
      "type": "string"
     }
    }
   },
   "InstrumentSummary": {
    "type": "object",
    "required": [
     "id",
     "name",
     "title",
     "purpose",
     "enabled_by_default",
     "validated",
     "items",
     "min_total",
     "max_total",
     "source",
     "licence"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "title": {
      "type": "string"
     },
     "purpose": {
      "enum": [
       "outcome",
       "session-feedback"
      ]
     },
     "enabled_by_default": {
      "type": "boolean"
     },
     "validated": {
      "type": "boolean"
     },
     "items": {
      "type": "integer"
     },
     "min_total": {
      "type": "number"
     },
     "max_total": {
      "type": "number"
     },
     "source": {
      "type": "string"
     },
     "licence": {
      "type": "string"
     }
    }
   },
   "ScoreRequest": {
    "type": "object",
    "required": [
     "answers"
    ],
    "properties": {
     "answers": {
      "type": "array",
      "items": {
       "type": "number"
      },
      "description": "One value per question, in order: the option's value (PHQ-9: 0-3) or the slider position"
     },
     "comment": {
      "type": "string",
      "description": "Session feedback's optional comment; accepted and not stored"
     }
    }
   },
   "ScoreResult": {
    "type": "object",
    "required": [
     "instrument",
     "total",
     "band",
     "flags"
    ],
    "properties": {
     "instrument": {
      "type": "string"
     },
     "total": {
      "type": "number"
     },
     "band": {
      "type": [
       "string",
       "null"
      ],
      "description": "PHQ-9: minimal, mild, moderate, moderately-severe, severe. GAD-7: minimal, mild, moderate, severe."
     },
     "flags": {
      "type": "array",
      "items": {
       "type": "string"
      },
      "description": "risk when a risk item (PHQ-9 item 9) is above 0; alliance-concern for low session feedback"
     }
    }
   },
   "ChangeRequest": {
    "type": "object",
    "required": [
     "before",
     "after"
    ],
    "properties": {
     "before": {
      "type": "number"
     },
     "after": {
      "type": "number"
     }
    }
   },
   "ChangeResult": {
    "type": "object",
    "required": [
     "instrument",
     "rci",
     "reliable_change",
     "caseness_before",
     "caseness_after",
     "recovery",
     "reliable_recovery"
    ],
    "properties": {
     "instrument": {
      "type": "string"
     },
     "before": {
      "type": "number"
     },
     "after": {
      "type": "number"
     },
     "rci": {
      "type": [
       "number",
       "null"
      ],
      "description": "(after - before) / S_diff, two decimals"
     },
     "rci_reliable": {
      "type": [
       "boolean",
       "null"
      ],
      "description": "|RCI| > 1.96"
     },
     "reliable_change": {
      "enum": [
       "improvement",
       "deterioration",
       "none"
      ],
      "description": "NHS Talking Therapies: moved by at least the measure's reliable-change amount"
     },
     "caseness_before": {
      "type": "boolean"
     },
     "caseness_after": {
      "type": "boolean"
     },
     "recovery": {
      "type": "boolean"
     },
     "reliable_recovery": {
      "type": "boolean"
     }
    }
   },
   "Appointment": {
    "type": "object",
    "required": [
     "id",
     "client_id",
     "therapist_id",
     "starts_at",
     "duration_minutes",
     "cancelled"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid"
     },
     "client_id": {
      "type": "string",
      "format": "uuid"
     },
     "therapist_id": {
      "type": "string",
      "format": "uuid"
     },
     "starts_at": {
      "type": "string",
      "format": "date-time"
     },
     "duration_minutes": {
      "type": "integer"
     },
     "location": {
      "type": "string"
     },
     "cancelled": {
      "type": "boolean"
     },
     "attendance": {
      "enum": [
       "attended",
       "late",
       "cancelled-late",
       "did-not-attend"
      ]
     },
     "late_minutes": {
      "type": "integer"
     }
    }
   },
   "AppointmentRequest": {
    "type": "object",
    "required": [
     "starts_at",
     "duration_minutes"
    ],
    "properties": {
     "starts_at": {
      "type": "string",
      "format": "date-time",
      "example": "2026-12-01T14:00:00Z"
     },
     "duration_minutes": {
      "type": "integer",
      "minimum": 10,
      "maximum": 240
     },
     "location": {
      "type": "string",
      "maxLength": 500,
      "description": "A room or a video link; the client sees it"
     }
    }
   },
   "AttendanceRequest": {
    "type": "object",
    "required": [
     "attendance"
    ],
    "properties": {
     "attendance": {
      "enum": [
       "attended",
       "late",
       "cancelled-late",
       "did-not-attend"
      ]
     },
     "late_minutes": {
      "type": "integer",
      "minimum": 1,
      "maximum": 240,
      "description": "Required when attendance is late"
     }
    }
   },
   "CheckInEntryRequest": {
    "type": "object",
    "required": [
     "appointment_id",
     "instrument",
     "answers"
    ],
    "properties": {
     "appointment_id": {
      "type": "string",
      "format": "uuid"
     },
     "instrument": {
      "type": "string",
      "examples": [
       "phq-9"
      ]
     },
     "answers": {
      "type": "array",
      "items": {
       "type": "number"
      },
      "description": "One per item, in item order"
     },
     "comment": {
      "type": "string",
      "maxLength": 2000,
      "description": "Session feedback only: the client's words, sealed"
     }
    }
   },
   "CheckInResult": {
    "type": "object",
    "required": [
     "id",
     "appointment_id",
     "instrument",
     "flags",
     "answers",
     "in_room"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid"
     },
     "appointment_id": {
      "type": "string",
      "format": "uuid"
     },
     "instrument": {
      "type": "string"
     },
     "total": {
      "type": [
       "number",
       "null"
      ]
     },
     "band": {
      "type": [
       "string",
       "null"
      ]
     },
     "flags": {
      "type": "array",
      "items": {
       "type": "string",
       "enum": [
        "risk",
        "alliance-concern"
       ]
      }
     },
     "answers": {
      "type": "array",
      "items": {
       "type": [
        "number",
        "null"
       ]
      }
     },
     "comment": {
      "type": [
       "string",
       "null"
      ]
     },
     "in_room": {
      "type": "boolean"
     },
     "completed_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     }
    }
   },
   "CheckInListing": {
    "type": "object",
    "required": [
     "measures",
     "check_ins",
     "results",
     "risk_alerts",
     "change"
    ],
    "properties": {
     "measures": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "check_ins": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "appointment_id",
        "instrument",
        "purpose",
        "state",
        "opens_at",
        "due_by"
       ],
       "properties": {
        "appointment_id": {
         "type": "string",
         "format": "uuid"
        },
        "instrument": {
         "type": "string"
        },
        "purpose": {
         "type": "string",
         "enum": [
          "outcome",
          "session-feedback"
         ]
        },
        "state": {
         "type": "string",
         "enum": [
          "not-yet-open",
          "due",
          "overdue",
          "done",
          "missed"
         ]
        },
        "opens_at": {
         "type": "string",
         "format": "date-time"
        },
        "due_by": {
         "type": "string",
         "format": "date-time"
        }
       }
      }
     },
     "results": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/CheckInResult"
      }
     },
     "risk_alerts": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "id",
        "check_in_id",
        "instrument",
        "raised_at",
        "answers"
       ],
       "properties": {
        "id": {
         "type": "string",
         "format": "uuid"
        },
        "check_in_id": {
         "type": "string",
         "format": "uuid"
        },
        "instrument": {
         "type": "string"
        },
        "raised_at": {
         "type": "string",
         "format": "date-time"
        },
        "answers": {
         "type": "array",
         "items": {
          "type": "string"
         },
         "description": "Each risk item answered above 0, as \"item text: answer\""
        }
       }
      }
     },
     "change": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "instrument",
        "scores",
        "first",
        "latest",
        "summary"
       ],
       "properties": {
        "instrument": {
         "type": "string"
        },
        "scores": {
         "type": "integer"
        },
        "first": {
         "type": "number"
        },
        "latest": {
         "type": "number"
        },
        "rci": {
         "type": [
          "number",
          "null"
         ]
        },
        "reliable_change": {
         "type": [
          "string",
          "null"
         ],
         "enum": [
          "improvement",
          "deterioration",
          "none",
          null
         ]
        },
        "caseness_before": {
         "type": [
          "boolean",
          "null"
         ]
        },
        "caseness_after": {
         "type": [
          "boolean",
          "null"
         ]
        },
        "recovery": {
         "type": [
          "boolean",
          "null"
         ]
        },
        "reliable_recovery": {
         "type": [
          "boolean",
          "null"
         ]
        },
        "summary": {
         "type": "string",
         "description": "The change in plain words"
        }
       }
      }
     }
    }
   }
  }
 }
}
"""#
}
